/**
 * Audit rows for every change: who did what to which target. Never holds secret values. The actor
 * is the user an operation runs for (an API key's, a chat's), or null for the system itself.
 *
 *   await auditedBy(db, actor.userId, { action: "server.delete", targetType: "server", targetId: id },
 *     db.delete(servers).where(eq(servers.id, id)));
 */
import type { Db } from "../db/client.ts";
import { auditLog } from "../db/schema.ts";
import { newId } from "../ids.ts";

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string | null;
  details?: Record<string, unknown>;
}

/**
 * The insert for one audit row; run it in the same `db.batch` as the change it records.
 * `actorId` null: the system itself (cron, sweeps).
 */
export function auditInsert(db: Db, actorId: string | null, entry: AuditEntry) {
  return db.insert(auditLog).values({
    id: newId(),
    actorId,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    details: entry.details ?? null,
    createdAt: new Date(),
  });
}

type Write = Parameters<Db["batch"]>[0][number];

/** Runs the writes and the actor's audit row in one D1 batch: all land, or none. */
export async function auditedBy(
  db: Db,
  actorId: string | null,
  entry: AuditEntry,
  ...writes: Write[]
): Promise<void> {
  await db.batch([auditInsert(db, actorId, entry), ...writes]);
}
