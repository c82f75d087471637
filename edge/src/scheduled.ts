/** Cron housekeeping (see `[triggers]` in wrangler.toml). Each task is idempotent. */
import { and, isNotNull, isNull, lte } from "drizzle-orm";
import { auditInsert } from "./api/audit.ts";
import { database } from "./db/client.ts";
import { apiKeys } from "./db/schema.ts";
import type { Env } from "./env.ts";

/** Marks keys past their expiry as revoked, so listings and the audit log say so plainly. */
export async function revokeExpiredKeys(env: Env, now = new Date()): Promise<number> {
  const db = database(env.DB);
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

export async function scheduled(_controller: ScheduledController, env: Env): Promise<void> {
  const revoked = await revokeExpiredKeys(env);
  if (revoked > 0) console.log(JSON.stringify({ task: "revokeExpiredKeys", revoked }));
}
