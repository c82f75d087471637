/**
 * The jobs a monitor submits to the hub, each in the project's pool and reported back to the
 * monitor (`notify: { monitor }`): the watch of a healthy service (`http_watch`), the single
 * checks of a failing one (`http_check`), the recovery steps (restart_project, rollback_project)
 * and the read of the service's last log lines (project_logs).
 */
import { POOL_LABEL, WATCH_MAX_MS } from "@codegen-orchestrator/shared";
import type { Db } from "../db/client.ts";
import { lastHealthyDeployment } from "../domain/deployments.ts";
import { placementOf } from "../domain/placements.ts";
import type { SubmitJob } from "../executors/views.ts";
import { newId } from "../ids.ts";
import { logsJob, restartJob, rollbackJob } from "../pipelines/devops/deploy.ts";
import type { RecoveryJobKind } from "./judge.ts";
import type { WatchTarget } from "./monitor-state.ts";

/** The check's own timeout: short of the interval, so two checks never overlap. */
export const checkTimeoutMs = (intervalS: number) => Math.min(10_000, Math.max(1_000, intervalS * 500));
/** How long a recovery job may take (a restart waits for the health URL). */
const RECOVERY_TIMEOUT_MS = 10 * 60_000;
/** Log lines kept as an incident's evidence. */
export const EVIDENCE_LINES = 30;

const submitted = (target: WatchTarget, job: Omit<SubmitJob, "labels" | "notify">): SubmitJob => ({
  ...job,
  labels: { [POOL_LABEL]: target.pool },
  notify: { monitor: target.projectId },
  maxAttempts: 1,
});

export const checkJob = (target: WatchTarget, seq: number): SubmitJob =>
  submitted(target, {
    kind: "http_check",
    spec: {
      url: `${target.url}${target.healthPath}`,
      timeoutMs: checkTimeoutMs(target.intervalS),
      ...target.route,
    },
    idempotencyKey: `check:${target.projectId}:${target.deploymentId}:${seq}`,
    timeoutMs: 60_000,
  });

/** Checks after a failure come at a quarter of the interval: an outage is found within 1.5 intervals. */
export const confirmMs = (intervalS: number) => Math.max(250, Math.round((intervalS * 1000) / 4));

/** What is left at `now` of the interval that began with the last check (none without one). */
export function restOfInterval(target: WatchTarget, lastAt: string | undefined, now: number): number {
  const intervalMs = target.intervalS * 1000;
  const last = lastAt ? Date.parse(lastAt) : Number.NaN;
  return Number.isNaN(last) ? 0 : Math.min(intervalMs, Math.max(0, last + intervalMs - now));
}

/**
 * A watch of `durationMs` (0: until the first healthy check), its first check `firstCheckInMs`
 * from its start. Its deadline leaves room for the run of failures it may finish past its time,
 * and for a check's timeout.
 */
export function watchJob(
  target: WatchTarget,
  seq: number,
  watch: { durationMs: number; firstCheckInMs: number; threshold: number },
): SubmitJob {
  const intervalMs = target.intervalS * 1000;
  const durationMs = Math.min(watch.durationMs, WATCH_MAX_MS);
  const { firstCheckInMs, threshold } = watch;
  const timeoutMs = checkTimeoutMs(target.intervalS);
  return submitted(target, {
    kind: "http_watch",
    spec: {
      url: `${target.url}${target.healthPath}`,
      ...target.route,
      intervalMs,
      confirmMs: confirmMs(target.intervalS),
      timeoutMs,
      threshold,
      durationMs,
      firstCheckInMs,
    },
    idempotencyKey: `watch:${target.projectId}:${target.deploymentId}:${seq}`,
    timeoutMs:
      firstCheckInMs +
      durationMs +
      intervalMs +
      threshold * (confirmMs(target.intervalS) + timeoutMs) +
      60_000,
  });
}

/** The watched release's server as its jobs reach it, with its proxy and standby port (blue-green). */
const serverOf = (db: Db, target: WatchTarget) =>
  placementOf(db, target.projectId, { serverId: target.serverId, port: target.port });

/**
 * The recovery job of `kind`, or why there is none (the server is gone, no earlier release to go
 * back to). A rollback's job says which deployment it restores (`restores`).
 */
export async function recoveryJob(
  db: Db,
  target: WatchTarget,
  kind: RecoveryJobKind,
): Promise<{ job: SubmitJob; restores: { id: string; commit: string } | null } | { error: string }> {
  const server = await serverOf(db, target);
  if (!server) return { error: "its server is no longer registered" };
  const base = { idempotencyKey: `${kind}:${target.projectId}:${newId()}`, timeoutMs: RECOVERY_TIMEOUT_MS };
  if (kind === "restart") {
    const { spec, secrets } = restartJob(
      target.resourceName,
      server,
      target.healthPath,
      target.healthRetries,
    );
    return { job: submitted(target, { ...base, kind: "ansible", spec, secrets }), restores: null };
  }
  const healthy = await lastHealthyDeployment(db, target.projectId, target.serverId, target.commit);
  if (!healthy) return { error: "no earlier healthy release is on its server" };
  const { spec, secrets } = rollbackJob(
    target.resourceName,
    server,
    target.healthPath,
    healthy.commit,
    target.healthRetries,
  );
  return { job: submitted(target, { ...base, kind: "ansible", spec, secrets }), restores: healthy };
}

export async function evidenceLogsJob(db: Db, target: WatchTarget): Promise<SubmitJob | null> {
  const server = await serverOf(db, target);
  if (!server) return null;
  const { spec, secrets } = logsJob(target.resourceName, server, { lines: EVIDENCE_LINES, since: "" });
  return submitted(target, {
    kind: "ansible",
    spec,
    secrets,
    idempotencyKey: `incident-logs:${target.projectId}:${newId()}`,
    timeoutMs: 120_000,
  });
}
