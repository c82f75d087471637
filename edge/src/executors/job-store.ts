/**
 * The hub's persisted job queue, in the Durable Object's own SQLite storage. All writes are
 * synchronous `sql.exec` calls, so a message handler's changes land together before any await.
 */
import {
  type FinalStatus,
  type JobKind,
  type JobStatus,
  LIGHT_JOB_KINDS,
  type RunningJob,
} from "@codegen-orchestrator/shared";
import { createJobTables } from "./job-schema.ts";

/** The light kinds as an SQL list (constants of the protocol, never input). */
const LIGHT_KINDS = `(${LIGHT_JOB_KINDS.map((kind) => `'${kind}'`).join(", ")})`;

export interface JobRow {
  id: string;
  idempotency_key: string;
  kind: JobKind;
  spec: string;
  labels: string;
  status: JobStatus;
  attempt: number;
  max_attempts: number;
  executor_id: string | null;
  lease_expires_at: number | null;
  timeout_ms: number;
  deadline_at: number | null;
  cancel_requested: number;
  progress: string | null;
  /** What the job cost, as its executor reported it (an agent's model use); null for none. */
  cost_usd: number | null;
  result: string | null;
  error: string | null;
  log_bytes: number;
  /** Log bytes not yet archived to R2: when it reaches a segment, the hub archives. */
  log_unarchived: number;
  /** JSON: environment name → `{ projectId, name }` of a project secret. References, never values. */
  secret_refs: string;
  /** JSON: every capability the job needs from its executor (its kind's and its spec's). */
  needs: string;
  /** JSON `JobNotify`: the workflow instance told when the job finishes; null for none. */
  notify: string | null;
  /**
   * The executor this job belongs on (an agent session's workspace is there): while it is
   * connected the job waits for a slot on it (for the hub's `preferWaitMs` at most); when it is
   * gone, any executor that fits takes it.
   */
  prefer_executor: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export const ACTIVE: readonly JobStatus[] = ["assigned", "running"];

export class JobStore {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    createJobTables(sql);
  }

  insert(
    job: Omit<
      JobRow,
      | "log_bytes"
      | "log_unarchived"
      | "progress"
      | "cost_usd"
      | "result"
      | "error"
      | "finished_at"
      | "cancel_requested"
    >,
  ): void {
    this.sql.exec(
      `INSERT INTO jobs (id, idempotency_key, kind, spec, labels, status, attempt, max_attempts, executor_id,
         lease_expires_at, timeout_ms, deadline_at, secret_refs, needs, notify, prefer_executor, created_at,
         updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      job.id,
      job.idempotency_key,
      job.kind,
      job.spec,
      job.labels,
      job.status,
      job.attempt,
      job.max_attempts,
      job.executor_id,
      job.lease_expires_at,
      job.timeout_ms,
      job.deadline_at,
      job.secret_refs,
      job.needs,
      job.notify,
      job.prefer_executor,
      job.created_at,
      job.updated_at,
    );
  }

  get(id: string): JobRow | null {
    return (
      this.sql
        .exec<JobRow & Record<string, SqlStorageValue>>("SELECT * FROM jobs WHERE id = ?", id)
        .toArray()[0] ?? null
    );
  }

  /** The job, if this executor holds it at this attempt and it is still active; else null. */
  heldBy(executorId: string, ref: RunningJob): JobRow | null {
    const job = this.get(ref.jobId);
    const held =
      job && job.executor_id === executorId && job.attempt === ref.attempt && ACTIVE.includes(job.status);
    return held ? job : null;
  }

  byIdempotencyKey(key: string): JobRow | null {
    return (
      this.sql
        .exec<JobRow & Record<string, SqlStorageValue>>("SELECT * FROM jobs WHERE idempotency_key = ?", key)
        .toArray()[0] ?? null
    );
  }

  /**
   * Queued jobs, oldest first, a page at a time: a caller that stops early reads no more pages,
   * and rows it updates between pages cannot disturb the read.
   */
  *queued(limit: number, light = false, pageSize = 32): Generator<JobRow> {
    let after: { created_at: number; id: string } | null = null;
    for (let read = 0; read < limit; ) {
      const page: JobRow[] = this.sql
        .exec<JobRow & Record<string, SqlStorageValue>>(
          `SELECT * FROM jobs WHERE status = 'queued' AND kind ${light ? "IN" : "NOT IN"} ${LIGHT_KINDS}
           AND (created_at > ? OR (created_at = ? AND id > ?))
           ORDER BY created_at, id LIMIT ?`,
          after?.created_at ?? -1,
          after?.created_at ?? -1,
          after?.id ?? "",
          Math.min(pageSize, limit - read),
        )
        .toArray();
      yield* page;
      read += page.length;
      const last = page.at(-1);
      if (!last || page.length < pageSize) return;
      after = last;
    }
  }

  hasQueued(): boolean {
    return this.sql.exec("SELECT 1 FROM jobs WHERE status = 'queued' LIMIT 1").toArray().length > 0;
  }

  /**
   * Forgets up to `limit` light jobs (a monitor's checks and watches) that ended before `before`:
   * their results went to their monitor (none with an event still to deliver), and nothing reads
   * them later. Heavy jobs stay: runs show their logs. How many went.
   */
  forgetLightJobs(before: number, limit = 1000): number {
    return this.sql.exec(
      `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE kind IN ${LIGHT_KINDS}
       AND finished_at IS NOT NULL AND finished_at < ?
       AND id NOT IN (SELECT job_id FROM job_events) LIMIT ?)`,
      before,
      limit,
    ).rowsWritten;
  }

  /** Whether any job is assigned or running. */
  hasActive(): boolean {
    return (
      this.sql.exec("SELECT 1 FROM jobs WHERE status IN ('assigned', 'running') LIMIT 1").toArray().length > 0
    );
  }

  /**
   * The active jobs the sweep must act on: a lease expired, or a deadline passed by `graceMs`
   * without a result. The others (every healthy watch) are never read into the object.
   */
  overdue(now: number, graceMs: number): JobRow[] {
    return this.sql
      .exec<JobRow & Record<string, SqlStorageValue>>(
        `SELECT * FROM jobs WHERE status IN ('assigned', 'running')
         AND (lease_expires_at < ? OR (deadline_at IS NOT NULL AND deadline_at + ? < ? AND executor_id IS NOT NULL))`,
        now,
        graceMs,
        now,
      )
      .toArray();
  }

  activeOf(executorId: string): JobRow[] {
    return this.sql
      .exec<JobRow & Record<string, SqlStorageValue>>(
        "SELECT * FROM jobs WHERE executor_id = ? AND status IN ('assigned', 'running')",
        executorId,
      )
      .toArray();
  }

  /** Running-job counts per executor, for least-loaded scheduling: of heavy jobs, or of light ones. */
  loads(light = false): Map<string, number> {
    const rows = this.sql.exec<{ executor_id: string; n: number }>(
      `SELECT executor_id, count(*) AS n FROM jobs WHERE status IN ('assigned', 'running')
       AND kind ${light ? "IN" : "NOT IN"} ${LIGHT_KINDS} GROUP BY executor_id`,
    );
    return new Map(rows.toArray().map((row) => [row.executor_id, row.n]));
  }

  assign(id: string, executorId: string, now: number, leaseMs: number, timeoutMs: number): void {
    this.sql.exec(
      `UPDATE jobs SET status = 'assigned', executor_id = ?, lease_expires_at = ?, deadline_at = ?, updated_at = ?
       WHERE id = ?`,
      executorId,
      now + leaseMs,
      now + timeoutMs,
      now,
      id,
    );
  }

  markRunning(id: string, now: number, leaseMs: number): void {
    this.sql.exec(
      "UPDATE jobs SET status = 'running', lease_expires_at = ?, updated_at = ? WHERE id = ?",
      now + leaseMs,
      now,
      id,
    );
  }

  /**
   * Extends the leases of the listed jobs that this executor really holds at that attempt: one
   * statement for all of them (an executor may hold a thousand watches), and only the leases
   * with less than `renewBelowMs` left (HubConfig: every other heartbeat).
   */
  renewLeases(
    executorId: string,
    running: readonly RunningJob[],
    now: number,
    leaseMs: number,
    renewBelowMs = leaseMs,
  ): void {
    if (running.length === 0) return;
    this.sql.exec(
      `UPDATE jobs SET lease_expires_at = ? WHERE executor_id = ? AND status IN ('assigned', 'running')
       AND lease_expires_at < ? AND (id, attempt) IN
         (SELECT json_extract(value, '$.jobId'), json_extract(value, '$.attempt') FROM json_each(?))`,
      now + leaseMs,
      executorId,
      now + renewBelowMs,
      JSON.stringify(running.map(({ jobId, attempt }) => ({ jobId, attempt }))),
    );
  }

  /** Back to the queue as the next attempt, or `lost` when attempts are used up. */
  requeue(job: JobRow, now: number, reason: string): JobStatus {
    if (job.cancel_requested) {
      this.finish(job.id, "cancelled", null, `${reason}; the job had been cancelled`, now);
      return "cancelled";
    }
    if (job.attempt >= job.max_attempts) {
      this.finish(job.id, "lost", null, `${reason}; no attempts left (${job.max_attempts})`, now);
      return "lost";
    }
    this.sql.exec(
      `UPDATE jobs SET status = 'queued', attempt = attempt + 1, executor_id = NULL, lease_expires_at = NULL,
       deadline_at = NULL, progress = NULL, updated_at = ? WHERE id = ?`,
      now,
      job.id,
    );
    return "queued";
  }

  finish(
    id: string,
    status: FinalStatus | "lost",
    result: string | null,
    error: string | null,
    now: number,
    costUsd: number | null = null,
  ): void {
    this.sql.exec(
      `UPDATE jobs SET status = ?, result = ?, error = ?, cost_usd = ?, lease_expires_at = NULL, finished_at = ?,
       updated_at = ? WHERE id = ?`,
      status,
      result,
      error,
      costUsd,
      now,
      now,
      id,
    );
  }

  requestCancel(id: string, now: number): void {
    this.sql.exec("UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?", now, id);
  }

  setProgress(id: string, progress: string, now: number): void {
    this.sql.exec("UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ?", progress, now, id);
  }
}
