/**
 * Waiting for a submitted job to end, as workflow steps: the hub's `job-<id>` event, at most
 * `WAIT` at a time, each wait followed by a status step, until the job is final. A lost event
 * costs one wait, never the workflow. Pipeline steps (job-step.ts) and the template check
 * (templates/check-workflow.ts) both wait this way.
 *
 *   await waitForJobEnd(step, env, "prepare", { jobId, status: "queued" });
 */
import type { WorkflowStep } from "cloudflare:workers";
import type { Env } from "../../env.ts";
import { executorHub } from "../../executors/hub.ts";
import { jobEventType } from "../../executors/job-events.ts";

export const FINAL_JOB_STATUSES: ReadonlySet<string> = new Set([
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "lost",
]);
/** How long one wait lasts before the step looks at the job itself. */
const WAIT = "10 minutes";

/** Returns the job's final status; step names are `<name>: result <n>` and `<name>: status <n>`. */
export async function waitForJobEnd(
  step: WorkflowStep,
  env: Env,
  name: string,
  submitted: { jobId: string; status: string },
): Promise<string> {
  let status = submitted.status;
  for (let round = 0; !FINAL_JOB_STATUSES.has(status); round++) {
    try {
      await step.waitForEvent(`${name}: result ${round}`, {
        type: jobEventType(submitted.jobId),
        timeout: WAIT,
      });
    } catch {
      // Timed out: the status check below decides whether to wait again.
    }
    status = await step.do(
      `${name}: status ${round}`,
      async () => (await executorHub(env).status(submitted.jobId)) ?? "lost",
    );
  }
  return status;
}
