/**
 * Incidents for the admins (no project): a server's outage, repositories that drifted from the
 * projects. At most one of a kind (and server) is open: opening is one conditional insert and
 * resolving one conditional update, so calls side by side (a cron's, an admin's) never open a
 * second nor resolve one twice; the caller tells the admins only when its call made the change.
 *
 *   if (await openAdminIncident(db, { kind: "server_unreachable", serverId, … })) tellAdmins(…);
 */
import type { IncidentEvidence } from "@codegen-orchestrator/shared";
import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { incidents, users } from "../db/schema.ts";
import { newId } from "../ids.ts";

export interface AdminIncident {
  kind: string;
  /** The server it concerns; null for one of the whole system. */
  serverId: string | null;
  message: string;
  evidence: IncidentEvidence;
  /** When the trouble was first seen. */
  startedAt: number;
}

const openOf = (kind: string, serverId: string | null) =>
  and(
    eq(incidents.kind, kind),
    isNull(incidents.projectId),
    serverId === null ? isNull(incidents.serverId) : eq(incidents.serverId, serverId),
    isNull(incidents.resolvedAt),
  );

/** Opens the incident unless one of its kind (and server) is open; true when this call opened it. */
export async function openAdminIncident(db: Db, incident: AdminIncident): Promise<boolean> {
  const inserted = await db.run(sql`
    insert into ${incidents} (id, project_id, server_id, kind, severity, message, evidence, actions, started_at, opened_at)
    select ${newId()}, null, ${incident.serverId}, ${incident.kind}, 'critical', ${incident.message.slice(0, 2000)},
      ${JSON.stringify(incident.evidence)}, '[]', ${incident.startedAt}, ${Date.now()}
    where not exists (select 1 from ${incidents} where ${openOf(incident.kind, incident.serverId)})`);
  return inserted.meta.changes > 0;
}

/** Resolves the open incident of its kind (and server); true when this call resolved it. */
export async function resolveAdminIncident(db: Db, kind: string, serverId: string | null): Promise<boolean> {
  const resolved = await db
    .update(incidents)
    .set({ resolvedAt: new Date() })
    .where(openOf(kind, serverId))
    .returning({ id: incidents.id });
  return resolved.length > 0;
}

/** The open incident's message, when one of its kind (and server) is open. */
export async function openAdminIncidentMessage(
  db: Db,
  kind: string,
  serverId: string | null,
): Promise<string | null> {
  const [row] = await db.select({ message: incidents.message }).from(incidents).where(openOf(kind, serverId));
  return row?.message ?? null;
}

/** Keeps the open incident up to date (what it is about changed; nobody is told again). */
export async function restateAdminIncident(db: Db, kind: string, message: string): Promise<void> {
  await db
    .update(incidents)
    .set({ message: message.slice(0, 2000) })
    .where(openOf(kind, null));
}

/** The Telegram ids of the active admins and of `configured` (ADMIN_TELEGRAM_IDS), once each. */
export async function adminTelegramIds(db: Db, configured: readonly number[]): Promise<number[]> {
  const rows = await db
    .select({ telegramId: users.telegramId })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.status, "active"), isNotNull(users.telegramId)));
  const ids = [...configured, ...rows.map((row) => row.telegramId)];
  return [...new Set(ids.filter((id): id is number => id !== null))];
}
