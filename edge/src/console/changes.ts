/**
 * What every console form that changes something checks first: it comes from the console's own
 * page (CSRF: `fromSameOrigin`), and the session may write (one opened with a read-only API key
 * reads only, as the key does on `/api/v1`).
 */
import type { Context } from "hono";
import { forbidden } from "../domain/errors.ts";
import { fromSameOrigin } from "../http/session-cookie.ts";
import type { PageEnv } from "./page-env.ts";

export function assertMayChange(c: Context<PageEnv>): void {
  if (!fromSameOrigin(c)) throw forbidden("This form came from another site, so it was refused.");
  if (!c.get("principal").scopes.includes("write"))
    throw forbidden("This session was opened with a read-only API key: it cannot change anything.");
}
