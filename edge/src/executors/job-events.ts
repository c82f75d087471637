/**
 * Job results as Workflow events. A job submitted by a pipeline step names the workflow instance
 * waiting for it (`notify`); when the job finishes, whatever finished it (a result, a cancel, a
 * lost lease), a trigger in the hub's SQLite writes an outbox row in the same write, and the hub
 * delivers it with `instance.sendEvent({ type: "job-<id>" })`, retrying with backoff until the
 * engine takes it. An event sent before the step waits is buffered by Workflows. A service
 * monitor's job (`notify: { monitor }`) is delivered the same way as a call to its
 * `jobFinished`, with the job's result, and a chat's agent turn (`notify: { chat }`) as a call to
 * its session's `agentJobFinished`.
 *
 *   const events = new JobEvents(ctx.storage.sql, env);  …  await events.deliver(Date.now());
 */
import { getAgentByName } from "agents";
import type { Env, WorkflowBinding } from "../env.ts";

/** Who waits for a job's result: a workflow instance, a project's service monitor, or a chat. */
export type JobNotify =
  | { workflow: WorkflowBinding; instanceId: string }
  | { monitor: string }
  /** The chat session's name (its chat id). */
  | { chat: string };

/** The event type a step waits for. */
export const jobEventType = (jobId: string) => `job-${jobId}`;

/** What the event carries: enough to decide; the step reads the job itself for its output. */
export interface JobEventPayload {
  jobId: string;
  status: string;
}

/** What a monitor is told: the job's end with its result (one call, not a second one to read it). */
export interface JobEndPayload extends JobEventPayload {
  result: string | null;
  error: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS job_events (
  job_id TEXT PRIMARY KEY,
  notify TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS job_finished_event AFTER UPDATE OF status ON jobs
WHEN NEW.notify IS NOT NULL AND NEW.finished_at IS NOT NULL AND OLD.finished_at IS NULL
BEGIN
  INSERT OR IGNORE INTO job_events (job_id, notify, status, next_at) VALUES (NEW.id, NEW.notify, NEW.status, 0);
END;
`;

interface Row extends Record<string, SqlStorageValue> {
  job_id: string;
  notify: string;
  status: string;
  attempts: number;
  result: string | null;
  error: string | null;
}

const BATCH = 25;
const MAX_BACKOFF_MS = 60_000;
/** After this many refusals (about an hour), the row is dropped: the step's own status check takes over. */
const MAX_ATTEMPTS = 60;

export class JobEvents {
  readonly #sql: SqlStorage;
  readonly #env: Env;
  /** Events being sent now: a second delivery pass started meanwhile leaves them alone. */
  readonly #sending = new Set<string>();

  /** Needs the jobs table (with its `notify` column) to exist first. */
  constructor(sql: SqlStorage, env: Env) {
    this.#sql = sql;
    this.#env = env;
    sql.exec(SCHEMA);
  }

  /** When the next undelivered event is due, or null when none waits. */
  nextDue(): number | null {
    const [row] = this.#sql
      .exec<{ due: number | null }>("SELECT MIN(next_at) AS due FROM job_events")
      .toArray();
    return row?.due ?? null;
  }

  /** Sends the events that are due; failures are retried later with backoff. */
  async deliver(now: number): Promise<void> {
    const rows = this.#sql
      .exec<Row>(
        `SELECT e.job_id, e.notify, e.status, e.attempts, j.result, j.error
         FROM job_events e LEFT JOIN jobs j ON j.id = e.job_id WHERE e.next_at <= ? LIMIT ?`,
        now,
        BATCH,
      )
      .toArray();
    const mine = rows.filter((row) => !this.#sending.has(row.job_id));
    for (const row of mine) this.#sending.add(row.job_id);
    try {
      await Promise.all(mine.map((row) => this.#send(row, now)));
    } finally {
      for (const row of mine) this.#sending.delete(row.job_id);
    }
  }

  async #send(row: Row, now: number): Promise<void> {
    const notify = JSON.parse(row.notify) as JobNotify;
    const payload: JobEventPayload = { jobId: row.job_id, status: row.status };
    const ended: JobEndPayload = { ...payload, result: row.result, error: row.error };
    try {
      if ("monitor" in notify) await this.#env.SERVICE_MONITOR.getByName(notify.monitor).jobFinished(ended);
      else if ("chat" in notify)
        await (await getAgentByName(this.#env.CHAT_SESSION, notify.chat)).agentJobFinished(ended);
      else {
        const instance = await this.#env[notify.workflow].get(notify.instanceId);
        await instance.sendEvent({ type: jobEventType(row.job_id), payload });
      }
      this.#sql.exec("DELETE FROM job_events WHERE job_id = ?", row.job_id);
    } catch (err) {
      const attempts = row.attempts + 1;
      const message = err instanceof Error ? err.message : String(err);
      if (attempts >= MAX_ATTEMPTS) {
        console.error(
          JSON.stringify({ event: "job_event_dropped", jobId: row.job_id, attempts, error: message }),
        );
        this.#sql.exec("DELETE FROM job_events WHERE job_id = ?", row.job_id);
        return;
      }
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** row.attempts);
      this.#sql.exec(
        "UPDATE job_events SET attempts = ?, next_at = ? WHERE job_id = ?",
        attempts,
        now + delay,
        row.job_id,
      );
    }
  }
}
