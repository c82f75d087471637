/** What the API asks of the hub about jobs (through its RPC methods): submit, read, cancel. */
import { DEFAULT_POOL, POOL_LABEL, requiredCapabilities } from "@codegen-orchestrator/shared";
import { newId } from "../ids.ts";
import type { HubConfig } from "./config.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { HubParts } from "./hub-parts.ts";
import { ACTIVE, type JobRow } from "./job-store.ts";
import type { LogRow } from "./log-store.ts";
import type { JobRecord, SubmitJob } from "./views.ts";

/** A job's end as a pipeline step reads it. */
export type JobOutcomeRow = Pick<JobRow, "status" | "result" | "error"> & { executorId: string | null };

type JobRequestParts = Pick<HubParts, "store" | "logs" | "events" | "sockets" | "config" | "waitUntil">;

/**
 * A new queued job's row, first attempt, with the hub's defaults where the input has none. Every
 * job runs in a pool (the default one unless it names one): only that pool's executors take it.
 */
function queuedRow(id: string, input: SubmitJob, config: HubConfig, now: number) {
  return {
    id,
    idempotency_key: input.idempotencyKey,
    kind: input.kind,
    spec: JSON.stringify(input.spec),
    labels: JSON.stringify({ [POOL_LABEL]: DEFAULT_POOL, ...input.labels }),
    secret_refs: JSON.stringify(input.secrets ?? {}),
    needs: JSON.stringify(requiredCapabilities(input.kind, input.spec)),
    notify: input.notify ? JSON.stringify(input.notify) : null,
    prefer_executor: input.preferExecutor ?? null,
    status: "queued" as const,
    attempt: 1,
    max_attempts: input.maxAttempts ?? config.maxAttempts,
    executor_id: null,
    lease_expires_at: null,
    timeout_ms: input.timeoutMs ?? config.defaultTimeoutMs,
    deadline_at: null,
    created_at: now,
    updated_at: now,
  };
}

export class JobRequests {
  readonly #parts: JobRequestParts;
  readonly #dispatcher: Dispatcher;

  constructor(parts: JobRequestParts, dispatcher: Dispatcher) {
    this.#parts = parts;
    this.#dispatcher = dispatcher;
  }

  submitMany(inputs: readonly SubmitJob[]): JobRecord[] {
    const jobs = inputs.map((input) => this.#queue(input));
    this.#dispatcher.dispatch();
    // Re-read: dispatch may have assigned some already.
    return jobs.map((job) => ({ job: this.#mustGet(job.id), log: [] }));
  }

  /** Idempotent: the same key returns the job queued first. */
  #queue(input: SubmitJob): JobRow {
    const existing = this.#parts.store.byIdempotencyKey(input.idempotencyKey);
    if (existing) return existing;
    const id = newId();
    this.#parts.store.insert(queuedRow(id, input, this.#parts.config, Date.now()));
    return this.#mustGet(id);
  }

  get(id: string, logAfter?: { attempt: number; seq: number }): JobRecord | null {
    const job = this.#parts.store.get(id);
    if (!job) return null;
    return { job, log: this.#parts.logs.after(id, logAfter?.attempt, logAfter?.seq) };
  }

  outcome(id: string): JobOutcomeRow | null {
    const job = this.#parts.store.get(id);
    return job
      ? { status: job.status, result: job.result, error: job.error, executorId: job.executor_id }
      : null;
  }

  status(id: string): JobRow["status"] | null {
    return this.#parts.store.get(id)?.status ?? null;
  }

  kind(id: string): JobRow["kind"] | null {
    return this.#parts.store.get(id)?.kind ?? null;
  }

  progress(id: string): string | null {
    const job = this.#parts.store.get(id);
    return job && (job.status === "assigned" || job.status === "running") ? job.progress : null;
  }

  logAfter(id: string, attempt: number, seq: number, limit: number): LogRow[] {
    return this.#parts.logs.after(id, attempt, seq, limit);
  }

  cancel(id: string): JobRecord | null {
    const { store, sockets, events, waitUntil } = this.#parts;
    const job = store.get(id);
    if (!job) return null;
    const now = Date.now();
    if (job.status === "queued") store.finish(id, "cancelled", null, "cancelled before it started", now);
    else if (this.#dispatcher.isAwaitingSecrets({ jobId: id, attempt: job.attempt })) {
      // Assigned, but its executor has not been sent it yet: nothing to kill, and its slot frees.
      store.finish(id, "cancelled", null, "cancelled before it started", now);
      this.#dispatcher.dispatch();
    } else if (ACTIVE.includes(job.status)) {
      store.requestCancel(id, now);
      sockets.send(job.executor_id, {
        type: "cancel",
        jobId: id,
        attempt: job.attempt,
        reason: "cancelled by a user",
      });
    }
    waitUntil(events.deliver(now));
    return { job: this.#mustGet(id), log: [] };
  }

  #mustGet(id: string): JobRow {
    const job = this.#parts.store.get(id);
    if (!job) throw new Error(`job ${id} vanished`);
    return job;
  }
}
