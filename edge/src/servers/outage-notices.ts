/**
 * What the admins are told of a server's outage: one message when a check opens its incident, one
 * when a later check resolves it (domain/server-incidents.ts decides which call did), in each
 * admin's private chat.
 *
 *   await serverUnreachable(env, db, server, check);   // after a check that could not reach it
 *   await serverReachable(env, db, server);            // after one that could
 */
import type { ServerCheck } from "@codegen-orchestrator/shared";
import { notifyAdmins } from "../chat/notices.ts";
import type { Db } from "../db/client.ts";
import { openServerIncident, resolveServerIncident } from "../domain/server-incidents.ts";
import type { ServerRow } from "../domain/servers.ts";
import type { Env } from "../env.ts";
import { bold, code, escapeHtml } from "../telegram/format.ts";

/** After a check that could not reach the server: its incident, and the admins told, once per outage. */
export async function serverUnreachable(env: Env, db: Db, server: ServerRow, check: ServerCheck) {
  if (server.status !== "unreachable") return; // An admin holds it (maintenance, offline): expected.
  if (!(await openServerIncident(db, server, check))) return;
  await notifyAdmins(
    env,
    db,
    `🔴 Server ${bold(server.name)} (${code(server.host)}) is unreachable: ${escapeHtml(check.reasons.join("; "))}\n` +
      "New ports go to other servers meanwhile. Check the host and its sshd; the next check that reaches it closes the incident (or check it now from the console's Servers page).",
  );
}

/** After a check that reached the server: its open incident resolved, and the admins told. */
export async function serverReachable(env: Env, db: Db, server: ServerRow) {
  if (!(await resolveServerIncident(db, server.id))) return;
  await notifyAdmins(
    env,
    db,
    `🟢 Server ${bold(server.name)} (${code(server.host)}) is reachable again (now ${escapeHtml(server.status)}); its incident is resolved.`,
  );
}
