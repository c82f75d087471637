/**
 * A server's outage as an incident for the admins (`server_unreachable`, no project): opened by the
 * first check that cannot reach the server, resolved by the first that reaches it again. Both are
 * conditional writes, so checks running side by side (the cron's, an admin's) never open a second
 * incident for one outage, nor resolve one twice; the caller tells the admins only when its call
 * did the change (servers/outage-notices.ts).
 *
 *   if (await openServerIncident(db, server, check)) tellAdmins(…);
 */
import type { IncidentEvidence, ServerCheck } from "@codegen-orchestrator/shared";
import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { incidents, users } from "../db/schema.ts";
import { newId } from "../ids.ts";
import type { ServerRow } from "./servers.ts";

export const SERVER_UNREACHABLE = "server_unreachable";

const openIncidentOf = (serverId: string) =>
  and(eq(incidents.serverId, serverId), eq(incidents.kind, SERVER_UNREACHABLE), isNull(incidents.resolvedAt));

/** Opens the server's incident unless one is open; true when this call opened it. */
export async function openServerIncident(db: Db, server: ServerRow, check: ServerCheck): Promise<boolean> {
  const reason = check.reasons.join("; ");
  const message = `Server ${server.name} (${server.host}) is unreachable: ${reason}`.slice(0, 2000);
  const evidence: IncidentEvidence = {
    checks: [{ at: check.at, status: null, error: reason, excerpt: "" }],
    logs: [],
  };
  // One statement: the insert happens only while no incident of this outage is open.
  const inserted = await db.run(sql`
    insert into ${incidents} (id, project_id, server_id, kind, severity, message, evidence, actions, started_at, opened_at)
    select ${newId()}, null, ${server.id}, ${SERVER_UNREACHABLE}, 'critical', ${message},
      ${JSON.stringify(evidence)}, '[]', ${Date.parse(check.at)}, ${Date.now()}
    where not exists (select 1 from ${incidents} where ${openIncidentOf(server.id)})`);
  return inserted.meta.changes > 0;
}

/** Resolves the server's open incident; true when this call resolved it. */
export async function resolveServerIncident(db: Db, serverId: string): Promise<boolean> {
  const resolved = await db
    .update(incidents)
    .set({ resolvedAt: new Date() })
    .where(openIncidentOf(serverId))
    .returning({ id: incidents.id });
  return resolved.length > 0;
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
