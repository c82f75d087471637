/**
 * API keys as operations on D1: random bearer keys, shown once at creation, stored as SHA-256
 * hashes, revocable; and the lookup that turns a presented key into who is calling. Members act on
 * their own keys; admins on anyone's.
 *
 *   const { row, key } = await createApiKey(db, principal, { name: "ci", scopes: ["read"] });
 */
import type { ApiKey, Scope } from "@codegen-orchestrator/shared";
import { and, asc, eq, gt, isNotNull, isNull, lte, or } from "drizzle-orm";
import { generateKey } from "../auth/keys.ts";
import type { Db } from "../db/client.ts";
import { apiKeys, users } from "../db/schema.ts";
import { iso, isoOrNull, newId } from "../ids.ts";
import { type Actor, isAdminActor } from "./actor.ts";
import { auditedBy, auditInsert } from "./audit.ts";
import { conflict, forbidden, notFound } from "./errors.ts";
import { afterId, type Keyset } from "./keyset.ts";
import { findUser } from "./users.ts";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Who a key speaks for: its user, with the key's own scopes. */
export interface KeyHolder extends Actor {
  /** null for the bootstrap admin key, which has no row. */
  keyId: string | null;
  scopes: readonly Scope[];
  /** Set for a chat's Product-Owner key (minted for one agent job): the chat it speaks in. */
  chatId?: number;
}

const DAY_MS = 86_400_000;
const LAST_USED_RESOLUTION_MS = 60_000;

export const toApiKey = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  userId: row.userId,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes,
  createdAt: iso(row.createdAt),
  lastUsedAt: isoOrNull(row.lastUsedAt),
  expiresAt: isoOrNull(row.expiresAt),
  revokedAt: isoOrNull(row.revokedAt),
});

/**
 * A key minted for an agent's turn must not outlive it by making a lasting credential (an API key,
 * a console session or sign-in link): throws 403 for such a key.
 */
export function refuseChatKey(holder: KeyHolder, what: string): void {
  if (holder.chatId !== undefined) throw forbidden(`A chat agent's key cannot ${what}.`);
}

/** Members act on their own keys only; admins on anyone's. */
function ownerFor(actor: Actor, requested: string | undefined): string {
  if (requested && requested !== actor.userId && !isAdminActor(actor))
    throw forbidden("Only admins may manage other users' keys.");
  return requested ?? actor.userId;
}

export interface NewApiKey {
  name: string;
  scopes: Scope[];
  userId?: string | undefined;
  expiresInDays?: number | undefined;
}

/** A new key for an active user, with at most the creator's own scopes; `key` is shown once. */
export async function createApiKey(
  db: Db,
  creator: KeyHolder,
  input: NewApiKey,
): Promise<{ row: ApiKeyRow; key: string }> {
  refuseChatKey(creator, "create API keys");
  const userId = ownerFor(creator, input.userId);
  const wider = input.scopes.filter((scope) => !creator.scopes.includes(scope));
  if (wider.length > 0) throw forbidden(`A key cannot grant scopes its creator lacks: ${wider.join(", ")}.`);
  const owner = await findUser(db, userId);
  if (owner.status !== "active") throw conflict(`The user is ${owner.status}; activate them first.`);
  const { key, prefix, hash } = await generateKey();
  const now = new Date();
  const row: ApiKeyRow = {
    id: newId(),
    userId,
    name: input.name,
    prefix,
    hash,
    scopes: [...new Set(input.scopes)],
    createdAt: now,
    lastUsedAt: null,
    expiresAt: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * DAY_MS) : null,
    revokedAt: null,
    chatId: null,
    jobId: null,
  };
  await auditedBy(
    db,
    creator.userId,
    { action: "api_key.create", targetType: "api_key", targetId: row.id, details: { userId } },
    db.insert(apiKeys).values(row),
  );
  return { row, key };
}

/** Keys in id order: the actor's own, or (admins) everyone's or one user's. */
export async function listApiKeys(
  db: Db,
  actor: Actor,
  query: Keyset & { userId?: string | undefined },
): Promise<ApiKeyRow[]> {
  const owner = isAdminActor(actor) ? query.userId : ownerFor(actor, query.userId);
  return db
    .select()
    .from(apiKeys)
    .where(and(owner ? eq(apiKeys.userId, owner) : undefined, afterId(apiKeys.id, query)))
    .orderBy(asc(apiKeys.id))
    .limit(query.limit);
}

/** Revokes a key at once; a key revoked already is returned as it is. */
export async function revokeApiKey(db: Db, actor: Actor, id: string): Promise<ApiKeyRow> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
  // Another member's key is reported as missing, not as forbidden: ids reveal nothing.
  if (!row || (row.userId !== actor.userId && !isAdminActor(actor))) throw notFound("API key");
  if (row.revokedAt) return row;
  const revoked = { ...row, revokedAt: new Date() };
  await auditedBy(
    db,
    actor.userId,
    { action: "api_key.revoke", targetType: "api_key", targetId: id },
    db.update(apiKeys).set({ revokedAt: revoked.revokedAt }).where(eq(apiKeys.id, id)),
  );
  return revoked;
}

/**
 * Who holds the key with this hash, if it is live (not revoked, not expired) and its user active.
 * `touch` runs the write of its last use (at most once a minute), which need not be awaited.
 */
export async function keyHolder(
  db: Db,
  hash: string,
  touch: (write: Promise<unknown>) => void,
): Promise<KeyHolder | null> {
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
    touch(db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.key.id)).run());
  }
  const holder = { userId: row.key.userId, role: row.role, keyId: row.key.id, scopes: row.key.scopes };
  return row.key.chatId === null ? holder : { ...holder, chatId: row.key.chatId };
}

/** What a chat's agent job acts with: the chat's member, in that chat, until the job's deadline. */
export interface ChatKeyGrant {
  userId: string;
  chatId: number;
  jobId: string;
  expiresAt: Date;
}

/** The scopes of a chat agent's key: the member's everyday ones, never `admin`. */
const CHAT_KEY_SCOPES: Scope[] = ["read", "write"];

/**
 * Mints the key a chat's Product-Owner agent job uses (its MCP session), for an active user; it
 * expires at the job's deadline and is revoked when the job ends (`revokeJobKeys`). Audited as the
 * system's. Throws with a reason (the user is not active).
 */
export async function mintChatKey(db: Db, grant: ChatKeyGrant): Promise<string> {
  const owner = await findUser(db, grant.userId);
  if (owner.status !== "active") throw conflict(`the chat's user is ${owner.status}`);
  const { key, prefix, hash } = await generateKey();
  const id = newId();
  await db.batch([
    db.insert(apiKeys).values({
      id,
      userId: grant.userId,
      name: `chat ${grant.chatId}: agent job ${grant.jobId}`,
      prefix,
      hash,
      scopes: CHAT_KEY_SCOPES,
      createdAt: new Date(),
      expiresAt: grant.expiresAt,
      chatId: grant.chatId,
      jobId: grant.jobId,
    }),
    auditInsert(db, null, {
      action: "api_key.create",
      targetType: "api_key",
      targetId: id,
      details: { userId: grant.userId, chatId: grant.chatId, jobId: grant.jobId },
    }),
  ]);
  return key;
}

/** Revokes the keys minted for a job (it ended); how many were still live. */
export async function revokeJobKeys(db: Db, jobId: string, now = new Date()): Promise<number> {
  const revoked = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.jobId, jobId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return revoked.length;
}

/** Marks keys past their expiry as revoked (audited as the system's), so listings say so plainly. */
export async function expireApiKeys(db: Db, now = new Date()): Promise<number> {
  const expired = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(isNull(apiKeys.revokedAt), isNotNull(apiKeys.expiresAt), lte(apiKeys.expiresAt, now)))
    .returning({ id: apiKeys.id });
  if (expired.length > 0) {
    await db.batch(
      expired.map(({ id }) =>
        auditInsert(db, null, { action: "api_key.expire", targetType: "api_key", targetId: id }),
      ) as [ReturnType<typeof auditInsert>, ...ReturnType<typeof auditInsert>[]],
    );
  }
  return expired.length;
}
