/**
 * Lease bookkeeping over the job store: the periodic sweep (expired leases, missed deadlines) and
 * the reconciliation after an executor (re)connects. Both change the store and return the cancel
 * frames the hub must send.
 */
import type { RunningJob } from "@codegen-orchestrator/shared";
import type { JobStore } from "./job-store.ts";

export interface CancelOrder {
  executorId: string;
  jobId: string;
  attempt: number;
  reason: string;
}

/**
 * Requeues jobs whose executor stayed silent past the lease (the executor is then treated as
 * gone), and ends as `timed_out` jobs a lease past their deadline with no result.
 */
export function sweepLeases(store: JobStore, leaseMs: number, now: number) {
  const silent = new Set<string>();
  const cancels: CancelOrder[] = [];
  for (const job of store.overdue(now, leaseMs)) {
    if (job.lease_expires_at !== null && job.lease_expires_at < now) {
      const status = store.requeue(job, now, "executor silent past its lease");
      if (job.executor_id) silent.add(job.executor_id);
      console.warn(
        JSON.stringify({ event: "lease_expired", jobId: job.id, attempt: job.attempt, now: status }),
      );
    } else if (job.deadline_at !== null && job.deadline_at + leaseMs < now && job.executor_id) {
      // The executor should have stopped it at the deadline and reported; it did not.
      store.finish(job.id, "timed_out", null, "deadline passed without a result", now);
      cancels.push({ executorId: job.executor_id, jobId: job.id, attempt: job.attempt, reason: "deadline" });
    }
  }
  return { silent, cancels };
}

/** Keeps what both sides agree on, requeues what the executor lost, cancels what it should not run. */
export function reconcile(
  store: JobStore,
  executorId: string,
  running: readonly RunningJob[],
  leaseMs: number,
  now: number,
): CancelOrder[] {
  const claimed = new Map(running.map((r) => [r.jobId, r.attempt]));
  for (const job of store.activeOf(executorId)) {
    if (claimed.get(job.id) === job.attempt) store.markRunning(job.id, now, leaseMs);
    else store.requeue(job, now, "executor reconnected without it");
  }
  return running
    .filter((ref) => !store.heldBy(executorId, ref))
    .map(({ jobId, attempt }) => ({ executorId, jobId, attempt, reason: "superseded" }));
}
