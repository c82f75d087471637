/**
 * Authentication, by a bearer key (Hono's `bearerAuth` with a D1 lookup) or the console's session
 * cookie, and the checks built on the resulting principal: scopes by HTTP method, admin-only
 * operations.
 *
 *   app.use("/api/v1/*", authenticate());
 */
import { bearerAuth } from "hono/bearer-auth";
import { createMiddleware } from "hono/factory";
import { sha256Hex } from "../../auth/keys.ts";
import { assertAdminActor, isAdminActor } from "../../domain/actor.ts";
import { keyHolder } from "../../domain/api-keys.ts";
import { forbidden } from "../../domain/errors.ts";
import { BOOTSTRAP_ADMIN_ID, ensureBootstrapAdmin } from "../../domain/users.ts";
import { sessionHolder } from "../../domain/web-sessions.ts";
import type { AppContext, AppEnv, Principal } from "../../http/context.ts";
import { errorBody } from "../../http/errors.ts";
import { fromSameOrigin, isSafeMethod, sessionToken } from "../../http/session-cookie.ts";
import { apiSettings } from "../../settings/api.ts";

const MIN_ADMIN_KEY_LENGTH = 24;

const unauthorized = (message: string) => errorBody("unauthorized", message);

/** A bearer key only (API clients, MCP sessions): Hono's `bearerAuth`, checked against D1. */
export function bearerKey() {
  return bearerAuth<AppEnv>({
    noAuthenticationHeader: {
      message: unauthorized("Send an API key: `Authorization: Bearer <key>`."),
    },
    // bearerAuth answers a malformed header with 400; a caller without a usable key gets 401.
    invalidAuthenticationHeader: {
      message: (c) => c.json(unauthorized("Malformed Authorization header: expected `Bearer <key>`."), 401),
    },
    invalidToken: { message: unauthorized("This API key is unknown, revoked or expired.") },
    verifyToken: async (token, c) => {
      const principal = await keyPrincipal(token, c);
      if (principal) c.set("principal", principal);
      return principal !== null;
    },
  });
}

/**
 * Requests this Worker sends its own API for a caller it authenticated already (an MCP tool call),
 * with that caller. Only code in this isolate can put a request here: nothing that arrives over
 * the network is in it.
 */
const delegated = new WeakMap<Request, Principal>();

/** Marks a request this Worker makes to its own API as made by `principal`. */
export function onBehalfOf(principal: Principal, request: Request): Request {
  delegated.set(request, principal);
  return request;
}

/**
 * A request made on an authenticated caller's behalf, else a bearer key (API clients), or else
 * the console's session cookie; a cookie-authenticated change must come from the console's own
 * origin (CSRF).
 */
export function authenticate() {
  const bearer = bearerKey();
  return createMiddleware<AppEnv>(async (c, next) => {
    const caller = delegated.get(c.req.raw);
    if (caller) {
      c.set("principal", caller);
      return next();
    }
    const cookie = sessionToken(c);
    if (c.req.header("Authorization") !== undefined || cookie === undefined) return bearer(c, next);
    const holder = await sessionHolder(c.get("db"), cookie, (write) => c.executionCtx.waitUntil(write));
    if (!holder) return c.json(unauthorized("Your console session has ended: sign in again."), 401);
    if (!isSafeMethod(c) && !fromSameOrigin(c))
      return c.json(
        errorBody(
          "forbidden",
          "A change made with a console session must come from the console's own pages (cross-site request refused).",
        ),
        403,
      );
    c.set("principal", holder);
    await next();
  });
}

/** Who holds this API key (or the bootstrap admin key), or null. */
export async function keyPrincipal(token: string, c: AppContext): Promise<Principal | null> {
  const hash = await sha256Hex(token);
  const adminKey = apiSettings.read(c.env).ADMIN_API_KEY;
  if (adminKey && adminKey.length >= MIN_ADMIN_KEY_LENGTH && hash === (await sha256Hex(adminKey))) {
    await ensureBootstrapAdmin(c.get("db"));
    return { userId: BOOTSTRAP_ADMIN_ID, role: "admin", keyId: null, scopes: ["read", "write"] };
  }
  return keyHolder(c.get("db"), hash, (write) => c.executionCtx.waitUntil(write));
}

/** GET and HEAD need the `read` scope; every other method needs `write`. */
export function requireScope() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const needed = c.req.method === "GET" || c.req.method === "HEAD" ? "read" : "write";
    if (!c.get("principal").scopes.includes(needed)) {
      throw forbidden(`This API key lacks the \`${needed}\` scope.`);
    }
    await next();
  });
}

export function isAdmin(c: AppContext): boolean {
  return isAdminActor(c.get("principal"));
}

export function assertAdmin(c: AppContext): void {
  assertAdminActor(c.get("principal"));
}
