/**
 * A server's outage as an incident for the admins (`server_unreachable`, no project): opened by the
 * first check that cannot reach the server, resolved by the first that reaches it again
 * (admin-incidents.ts: one per outage, whatever runs side by side).
 *
 *   if (await openServerIncident(db, server, check)) tellAdmins(…);
 */
import type { ServerCheck } from "@codegen-orchestrator/shared";
import type { Db } from "../db/client.ts";
import { openAdminIncident, resolveAdminIncident } from "./admin-incidents.ts";
import type { ServerRow } from "./servers.ts";

export const SERVER_UNREACHABLE = "server_unreachable";

/** Opens the server's incident unless one is open; true when this call opened it. */
export function openServerIncident(db: Db, server: ServerRow, check: ServerCheck): Promise<boolean> {
  const reason = check.reasons.join("; ");
  return openAdminIncident(db, {
    kind: SERVER_UNREACHABLE,
    serverId: server.id,
    message: `Server ${server.name} (${server.host}) is unreachable: ${reason}`,
    evidence: { checks: [{ at: check.at, status: null, error: reason, excerpt: "" }], logs: [] },
    startedAt: Date.parse(check.at),
  });
}

/** Resolves the server's open incident; true when this call resolved it. */
export const resolveServerIncident = (db: Db, serverId: string): Promise<boolean> =>
  resolveAdminIncident(db, SERVER_UNREACHABLE, serverId);
