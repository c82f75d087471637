/**
 * Audit rows for every change: who did what to which target. Never holds secret values. The actor
 * is the user an operation runs for (an API key's, a chat's), or null for the system itself.
 * Admins read them newest first, filtered (`auditEntries`: the API's `GET /audit`, the console's
 * audit page).
 *
 *   await auditedBy(db, actor.userId, { action: "server.delete", targetType: "server", targetId: id },
 *     db.delete(servers).where(eq(servers.id, id)));
 */

import type { AuditLogEntry, AuditLogQuery } from "@codegen-orchestrator/shared";
import { and, desc, eq, gte, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { auditLog, users } from "../db/schema.ts";
import { iso, newId } from "../ids.ts";
import { type Actor, assertAdminActor } from "./actor.ts";

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

export type AuditRow = typeof auditLog.$inferSelect & { actorName: string | null };

export const toAuditLogEntry = (row: AuditRow): AuditLogEntry => ({
  id: row.id,
  actorId: row.actorId,
  actorName: row.actorName,
  action: row.action,
  targetType: row.targetType,
  targetId: row.targetId,
  details: row.details,
  createdAt: iso(row.createdAt),
});

function actionMatches(action: string): SQL | undefined {
  if (action.includes(".")) return eq(auditLog.action, action);
  const family = `${action}.`;
  return or(eq(auditLog.action, action), sql`substr(${auditLog.action}, 1, ${family.length}) = ${family}`);
}

const actorMatches = (actor: string): SQL =>
  actor === "system" ? isNull(auditLog.actorId) : eq(auditLog.actorId, actor);

/**
 * A page of the audit log, newest first (ids sort by creation), with each actor's name; every
 * filter narrows, and `nextCursor` (the page's last id) pages on to older entries (admins).
 */
export async function readAuditLog(
  db: Db,
  actor: Actor,
  query: AuditLogQuery,
): Promise<{ items: AuditLogEntry[]; nextCursor: string | null }> {
  assertAdminActor(actor);
  const rows = await db
    .select({ entry: auditLog, actorName: users.name })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(
      and(
        query.actor ? actorMatches(query.actor) : undefined,
        query.action ? actionMatches(query.action) : undefined,
        query.targetType ? eq(auditLog.targetType, query.targetType) : undefined,
        query.targetId ? eq(auditLog.targetId, query.targetId) : undefined,
        query.since ? gte(auditLog.createdAt, new Date(query.since)) : undefined,
        query.until ? lt(auditLog.createdAt, new Date(query.until)) : undefined,
        query.cursor ? lt(auditLog.id, query.cursor) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    // One more than the page: it only tells that an older page exists.
    .limit(query.limit + 1);
  const items = rows
    .slice(0, query.limit)
    .map(({ entry, actorName }) => toAuditLogEntry({ ...entry, actorName }));
  const last = items.at(-1);
  return { items, nextCursor: rows.length > query.limit && last ? last.id : null };
}
