/**
 * What every console page answers with, beyond its HTML: no other site may frame it (its buttons
 * change things: clickjacking), browsers must not guess content types, and no referrer leaves.
 * Hono's `secureHeaders`, with a policy that only says where the page may be framed (its own
 * inline style and scripts are constants, see layout.tsx).
 */
import { secureHeaders } from "hono/secure-headers";

export const consoleHeaders = () =>
  secureHeaders({
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    contentSecurityPolicy: { frameAncestors: ["'none'"], formAction: ["'self'"], baseUri: ["'none'"] },
  });
