/**
 * A server's outage as an incident for the admins: the first check that cannot reach a server
 * opens one (`server_unreachable`, no project) and tells every admin once; the first check that
 * reaches it again resolves it and tells them once more. Both are conditional writes, so checks
 * running side by side (the cron's, an admin's) never open a second incident or send a second
 * message for the same outage.
 *
 *   await serverUnreachable(env, db, server, check);   // after a check that could not reach it
 *   await serverReachable(env, db, server, check);     // after one that could
 */
import type { IncidentEvidence, ServerCheck } from "@codegen-orchestrator/shared";
import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { notifyUser } from "../chat/notices.ts";
import type { Db } from "../db/client.ts";
import { incidents, users } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { newId } from "../ids.ts";
import { telegramSettings } from "../settings/telegram.ts";
import { bold, code, escapeHtml } from "../telegram/format.ts";
import type { ServerRow } from "./servers.ts";

export const SERVER_UNREACHABLE = "server_unreachable";

const openIncidentOf = (serverId: string) =>
  and(eq(incidents.serverId, serverId), eq(incidents.kind, SERVER_UNREACHABLE), isNull(incidents.resolvedAt));

/** Opens the server's incident unless one is open; true when this call opened it. */
async function openIncident(db: Db, server: ServerRow, check: ServerCheck): Promise<boolean> {
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
async function resolveIncident(db: Db, serverId: string): Promise<boolean> {
  const resolved = await db
    .update(incidents)
    .set({ resolvedAt: new Date() })
    .where(openIncidentOf(serverId))
    .returning({ id: incidents.id });
  return resolved.length > 0;
}

/** The Telegram ids of every active admin and of ADMIN_TELEGRAM_IDS, once each. */
async function adminChats(env: Env, db: Db): Promise<number[]> {
  const rows = await db
    .select({ telegramId: users.telegramId })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.status, "active"), isNotNull(users.telegramId)));
  const ids = [...telegramSettings.read(env).ADMIN_TELEGRAM_IDS, ...rows.map((row) => row.telegramId)];
  return [...new Set(ids.filter((id): id is number => id !== null))];
}

async function tellAdmins(env: Env, db: Db, html: string): Promise<void> {
  await Promise.all((await adminChats(env, db)).map((id) => notifyUser(env, id, html)));
}

/** After a check that could not reach the server: the incident, and the admins told, once per outage. */
export async function serverUnreachable(env: Env, db: Db, server: ServerRow, check: ServerCheck) {
  if (server.status !== "unreachable") return; // An admin holds it (maintenance, offline): expected.
  if (!(await openIncident(db, server, check))) return;
  await tellAdmins(
    env,
    db,
    `🔴 Server ${bold(server.name)} (${code(server.host)}) is unreachable: ${escapeHtml(check.reasons.join("; "))}\n` +
      "New ports go to other servers meanwhile. Check the host and its sshd; the next check that reaches it closes the incident (or check it now from the console's Servers page).",
  );
}

/** After a check that reached the server: its open incident resolved, and the admins told. */
export async function serverReachable(env: Env, db: Db, server: ServerRow) {
  if (!(await resolveIncident(db, server.id))) return;
  await tellAdmins(
    env,
    db,
    `🟢 Server ${bold(server.name)} (${code(server.host)}) is reachable again (now ${escapeHtml(server.status)}); its incident is resolved.`,
  );
}
