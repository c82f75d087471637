/**
 * Signing in to the web console. A one-time link (asked for in the bot with `/login`, through the
 * API, or printed by `npm start`) or an API key opens a session: a random token, kept by the
 * browser in an HttpOnly cookie and here only as its hash, with an expiry, revocable one by one or
 * all at once ("sign out everywhere"). A session speaks for its user with the user's own rules;
 * one opened with an API key has that key's scopes, and ends when the key does.
 *
 *   const { token } = await createSignInLink(db, actor, { via: "api", minutes: 10 });
 *   const session = await redeemSignInLink(db, linkToken, { days: 14 });   // null: used or expired
 */
import { Scope } from "@codegen-orchestrator/shared";
import { and, eq, gt, isNull, or } from "drizzle-orm";
import { generateKey, sha256Hex } from "../auth/keys.ts";
import type { Db } from "../db/client.ts";
import { apiKeys, signInLinks, users, webSessions } from "../db/schema.ts";
import { newId } from "../ids.ts";
import { type Actor, isAdminActor } from "./actor.ts";
import { type KeyHolder, refuseChatKey } from "./api-keys.ts";
import { auditedBy } from "./audit.ts";
import { conflict, forbidden } from "./errors.ts";
import { findUser } from "./users.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** How often a session's last use is written: at most once a minute. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

export type SignInVia = (typeof signInLinks.$inferSelect)["via"];

/** Who a session speaks for, and which session it is (to sign it out). */
export interface SessionHolder extends KeyHolder {
  sessionId: string;
}

/** A one-time link for the actor (admins: for any active user); `token` is shown once. */
export async function createSignInLink(
  db: Db,
  actor: Actor,
  input: { via: SignInVia; minutes: number; userId?: string | undefined },
  now = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  const userId = input.userId ?? actor.userId;
  if (userId !== actor.userId && !isAdminActor(actor))
    throw forbidden("Only admins may make sign-in links for other users.");
  const user = await findUser(db, userId);
  if (user.status !== "active") throw conflict(`The user is ${user.status}; activate them first.`);
  const { key: token, hash } = await generateKey("link");
  const id = newId();
  const expiresAt = new Date(now.getTime() + input.minutes * MINUTE_MS);
  await auditedBy(
    db,
    actor.userId,
    { action: "sign_in_link.create", targetType: "user", targetId: userId, details: { via: input.via } },
    db.insert(signInLinks).values({ id, userId, hash, via: input.via, createdAt: now, expiresAt }),
  );
  return { token, expiresAt };
}

/**
 * Uses a link, once: the session it opens and its cookie token, or null when the link is unknown,
 * used already or expired (the same answer for each: a link reveals nothing).
 */
export async function redeemSignInLink(
  db: Db,
  token: string,
  input: { days: number },
  now = new Date(),
): Promise<{ token: string; expiresAt: Date } | null> {
  const hash = await sha256Hex(token);
  // One statement claims it: two concurrent uses cannot both succeed.
  const [link] = await db
    .update(signInLinks)
    .set({ usedAt: now })
    .where(and(eq(signInLinks.hash, hash), isNull(signInLinks.usedAt), gt(signInLinks.expiresAt, now)))
    .returning({ id: signInLinks.id, userId: signInLinks.userId });
  if (!link) return null;
  const user = await findUser(db, link.userId);
  if (user.status !== "active") return null;
  return openSession(db, { userId: link.userId, method: "link", keyId: null, days: input.days }, now);
}

/** A session opened with an API key the caller proved it holds (the key's scopes, its life). */
export async function sessionForKey(
  db: Db,
  holder: KeyHolder,
  input: { days: number },
  now = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  refuseChatKey(holder, "open console sessions");
  return openSession(
    db,
    { userId: holder.userId, method: "api_key", keyId: holder.keyId, days: input.days },
    now,
  );
}

async function openSession(
  db: Db,
  input: { userId: string; method: "link" | "api_key"; keyId: string | null; days: number },
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const { key: token, hash } = await generateKey("session");
  const id = newId();
  const expiresAt = new Date(now.getTime() + input.days * DAY_MS);
  const { userId, method, keyId } = input;
  await auditedBy(
    db,
    userId,
    { action: "web_session.open", targetType: "web_session", targetId: id, details: { method } },
    db
      .insert(webSessions)
      .values({ id, userId, hash, method, keyId, createdAt: now, lastSeenAt: now, expiresAt }),
  );
  return { token, expiresAt };
}

/**
 * Who the session with this cookie token speaks for, if it is live: not revoked, not expired, its
 * user active, and (opened with a key) the key still live. `touch` runs the write of its last use.
 */
export async function sessionHolder(
  db: Db,
  token: string,
  touch: (write: Promise<unknown>) => void,
  now = new Date(),
): Promise<SessionHolder | null> {
  const [row] = await db
    .select({ session: webSessions, role: users.role, keyScopes: apiKeys.scopes })
    .from(webSessions)
    .innerJoin(users, eq(users.id, webSessions.userId))
    .leftJoin(apiKeys, eq(apiKeys.id, webSessions.keyId))
    .where(
      and(
        eq(webSessions.hash, await sha256Hex(token)),
        isNull(webSessions.revokedAt),
        gt(webSessions.expiresAt, now),
        eq(users.status, "active"),
        // Opened with a key: the key must still be live.
        or(
          isNull(webSessions.keyId),
          and(isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now))),
        ),
      ),
    )
    .limit(1);
  if (!row) return null;
  const { session } = row;
  if (now.getTime() - session.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS)
    touch(db.update(webSessions).set({ lastSeenAt: now }).where(eq(webSessions.id, session.id)).run());
  return {
    userId: session.userId,
    role: row.role,
    keyId: session.keyId,
    // A link gives every scope the user's role has; a key, its own.
    scopes: row.keyScopes ?? Scope.options,
    sessionId: session.id,
  };
}

/** Signs out one session, or (everywhere) every live session of its user. Returns how many ended. */
export async function endSessions(
  db: Db,
  holder: SessionHolder,
  scope: "this" | "everywhere",
  now = new Date(),
): Promise<number> {
  const which =
    scope === "this" ? eq(webSessions.id, holder.sessionId) : eq(webSessions.userId, holder.userId);
  const ended = await db
    .update(webSessions)
    .set({ revokedAt: now })
    .where(and(which, isNull(webSessions.revokedAt)))
    .returning({ id: webSessions.id });
  await auditedBy(db, holder.userId, {
    action: scope === "this" ? "web_session.close" : "web_session.close_all",
    targetType: "user",
    targetId: holder.userId,
    details: { sessions: ended.length },
  });
  return ended.length;
}
