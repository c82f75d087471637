/** The API's view of a job, what a submit carries, and a finished job's result read as its kind's. */
import type { Job, JobKind } from "@codegen-orchestrator/shared";
import type { z } from "zod";
import type { JobNotify } from "./job-events.ts";
import type { JobSecretRef } from "./job-secrets.ts";
import type { JobRow } from "./job-store.ts";
import type { LogRow } from "./log-store.ts";

export interface SubmitJob {
  kind: JobKind;
  spec: unknown;
  idempotencyKey: string;
  labels: Record<string, string>;
  timeoutMs?: number | undefined;
  maxAttempts?: number | undefined;
  /** Environment name → the secret whose value the executor gets under it. */
  secrets?: Record<string, JobSecretRef> | undefined;
  /** The workflow instance waiting for the result (pipeline steps): it gets a `job-<id>` event. */
  notify?: JobNotify | undefined;
  /** The executor the job belongs on while it is connected (see JobRow.prefer_executor). */
  preferExecutor?: string | null | undefined;
}

/** The API's view of a job (shared/src/api/jobs.ts): its spec and output as its kind's schemas read them. */
export type JobView = Job;

/**
 * A job's stored result (`JobRow.result`) read with `schema`, or null when it has none or another
 * shape. The hub stores results as JSON it wrote itself, so the text always parses.
 */
export function resultAs<T>(schema: z.ZodType<T>, result: string | null): T | null {
  if (!result) return null;
  const parsed = schema.safeParse(JSON.parse(result));
  return parsed.success ? parsed.data : null;
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What the hub returns over RPC: its storage row (plain values) and log chunks. */
export interface JobRecord {
  job: JobRow;
  log: LogRow[];
}

export function toJobView({ job: row, log }: JobRecord): JobView {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    kind: row.kind,
    spec: JSON.parse(row.spec),
    labels: JSON.parse(row.labels),
    secrets: JSON.parse(row.secret_refs),
    status: row.status,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    executorId: row.executor_id,
    preferExecutor: row.prefer_executor,
    timeoutMs: row.timeout_ms,
    deadlineAt: isoOrNull(row.deadline_at),
    cancelRequested: row.cancel_requested === 1,
    progress: row.progress,
    costUsd: row.cost_usd ?? null,
    output: row.result === null ? null : JSON.parse(row.result),
    error: row.error,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    finishedAt: isoOrNull(row.finished_at),
    log,
  };
}
