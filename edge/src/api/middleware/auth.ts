/**
 * Bearer-key authentication (Hono's `bearerAuth` with a D1 lookup) and the checks built on the
 * resulting principal: scopes by HTTP method, and admin-only operations.
 *
 *   app.use("/api/v1/*", authenticate());
 */
import { and, eq, gt, isNull, or } from "drizzle-orm";
import { bearerAuth } from "hono/bearer-auth";
import { createMiddleware } from "hono/factory";
import { sha256Hex } from "../../auth/keys.ts";
import { apiKeys, users } from "../../db/schema.ts";
import type { AppContext, AppEnv, Principal } from "../../http/context.ts";
import { errorBody, forbidden } from "../../http/errors.ts";

/** The user row the bootstrap key acts as, so every action has an actor in the audit log. */
export const BOOTSTRAP_ADMIN_ID = "00000000000000000000000000";
const MIN_ADMIN_KEY_LENGTH = 24;
const LAST_USED_RESOLUTION_MS = 60_000;

const unauthorized = (message: string) => errorBody("unauthorized", message);

export function authenticate() {
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
      const principal = await principalFor(token, c);
      if (principal) c.set("principal", principal);
      return principal !== null;
    },
  });
}

async function principalFor(token: string, c: AppContext): Promise<Principal | null> {
  const hash = await sha256Hex(token);
  const adminKey = c.env.ADMIN_API_KEY;
  if (adminKey && adminKey.length >= MIN_ADMIN_KEY_LENGTH && hash === (await sha256Hex(adminKey))) {
    await ensureBootstrapAdmin(c);
    return { userId: BOOTSTRAP_ADMIN_ID, role: "admin", keyId: null, scopes: ["read", "write"] };
  }
  const db = c.get("db");
  const now = new Date();
  const [row] = await db
    .select({ key: apiKeys, role: users.role })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(
      and(
        eq(apiKeys.hash, hash),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now)),
        eq(users.status, "active"),
      ),
    )
    .limit(1);
  if (!row) return null;
  const lastUsed = row.key.lastUsedAt?.getTime() ?? 0;
  if (now.getTime() - lastUsed > LAST_USED_RESOLUTION_MS) {
    c.executionCtx.waitUntil(
      db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.key.id)).run(),
    );
  }
  return { userId: row.key.userId, role: row.role, keyId: row.key.id, scopes: row.key.scopes };
}

/** Per isolate: the row exists once written, so later requests skip the write. */
let bootstrapAdminEnsured = false;

async function ensureBootstrapAdmin(c: AppContext): Promise<void> {
  if (bootstrapAdminEnsured) return;
  const now = new Date();
  await c
    .get("db")
    .insert(users)
    .values({
      id: BOOTSTRAP_ADMIN_ID,
      name: "Bootstrap admin",
      role: "admin",
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .run();
  bootstrapAdminEnsured = true;
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
  return c.get("principal").role === "admin";
}

export function assertAdmin(c: AppContext): void {
  if (!isAdmin(c)) throw forbidden("Only admins may do this.");
}
