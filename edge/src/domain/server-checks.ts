/**
 * Server checks as D1 records them: the verdict of a finished `server_check` job (its figures,
 * `degraded` with the reasons, or `unreachable`), recorded on the server as its last check and,
 * unless an admin holds the server in `maintenance` or `offline`, as its status.
 *
 *   const check = checkVerdict(outcome, new Date());          // null: the job says nothing of the server
 *   const server = await recordCheck(db, serverId, check);         // null: the server is gone
 */
import { AnsibleResult, type ServerCheck } from "@codegen-orchestrator/shared";
import { and, eq, inArray, ne } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { servers } from "../db/schema.ts";
import { resultAs } from "../executors/views.ts";
import { iso } from "../ids.ts";
import type { ServerRow } from "./servers.ts";

/** The statuses checks set; a server in any other (the admin's) keeps it. */
export const CHECKED_STATUSES = ["active", "degraded", "unreachable"] as const;

/** A check that read no figures: the server was not reached, or the play failed on it. */
const withoutFigures = (at: Date, outcome: "unreachable" | "degraded", reason: string): ServerCheck => ({
  at: iso(at),
  outcome,
  reasons: [reason.slice(0, 500)],
  diskFreePercent: null,
  memoryAvailablePercent: null,
  loadPerCore: null,
  serviceManager: null,
});

/**
 * What a finished server_check job says of the server: its figures and problems; `unreachable`
 * when Ansible could not reach it; `degraded` when the play failed on the host. Null when the job
 * never ran the play (no executor took it, it was cancelled): nothing is known of the server.
 */
export function checkVerdict(
  job: { status: string; result: string | null; error: string | null },
  at: Date,
): ServerCheck | null {
  const result = resultAs(AnsibleResult, job.result);
  if (!result) return null;
  if (Object.values(result.hosts).some((host) => host.unreachable > 0))
    return withoutFigures(at, "unreachable", `no SSH connection: ${result.failure?.message ?? "no answer"}`);
  if (job.status === "succeeded" && result.check) {
    const { problems, ...figures } = result.check;
    return {
      at: iso(at),
      outcome: problems.length > 0 ? "degraded" : "active",
      reasons: problems,
      ...figures,
    };
  }
  if (job.status !== "failed") return null;
  const why = result.failure
    ? `${result.failure.task}: ${result.failure.message}`
    : (job.error ?? "no reason");
  return withoutFigures(at, "degraded", `the check failed on the host (${why})`);
}

/**
 * Records the check on the server, and its outcome as the status unless the admin set one of
 * theirs. Returns the server as it is now, or null when it is gone.
 */
export async function recordCheck(db: Db, serverId: string, check: ServerCheck): Promise<ServerRow | null> {
  const [, [server]] = await db.batch([
    // Conditional: an admin's maintenance or offline, even one set while the check ran, stays.
    db
      .update(servers)
      .set({ status: check.outcome, updatedAt: new Date() })
      .where(
        and(
          eq(servers.id, serverId),
          inArray(servers.status, [...CHECKED_STATUSES]),
          ne(servers.status, check.outcome),
        ),
      ),
    db.update(servers).set({ lastCheck: check }).where(eq(servers.id, serverId)).returning(),
  ]);
  return server ?? null;
}

/**
 * Servers the checks watch (in a status they set, their host key pinned) whose last check is
 * older than `intervalMs`, or that were never checked.
 */
export async function dueServers(db: Db, now: Date, intervalMs: number): Promise<ServerRow[]> {
  const rows = await db
    .select()
    .from(servers)
    .where(inArray(servers.status, [...CHECKED_STATUSES]));
  return rows.filter(
    (row) =>
      row.knownHosts !== null &&
      (!row.lastCheck || Date.parse(row.lastCheck.at) <= now.getTime() - intervalMs),
  );
}
