/**
 * Waiting for a job outside a workflow (a request that answers with a job's result, the cron's
 * server checks): the hub is asked for its status until it is final or the wait is over.
 *
 *   const status = await awaitJob(env, job.id, 60_000);   // null: still not done
 */
import type { Env } from "../env.ts";
import { FINAL_JOB_STATUSES } from "../pipelines/steps/job-wait.ts";
import { executorHub } from "./hub.ts";

const POLL_MS = 500;

/** The job's final status, or null when it is still not done after `waitMs`. */
export async function awaitJob(env: Env, jobId: string, waitMs: number): Promise<string | null> {
  const hub = executorHub(env);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const status = (await hub.status(jobId)) ?? "lost";
    if (FINAL_JOB_STATUSES.has(status)) return status;
    if (Date.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
