/** Cron housekeeping (see `[triggers]` in wrangler.toml). Each task is idempotent. */
import { database } from "./db/client.ts";
import { expireApiKeys } from "./domain/api-keys.ts";
import { failRun, launchedRuns, strandedRuns } from "./domain/runs.ts";
import type { Env } from "./env.ts";
import { syncRepositories } from "./github/repo-sync.ts";
import { sweepGoneBranches, sweepPreviews } from "./pipelines/devops/preview-requests.ts";
import { launchRun } from "./pipelines/launch.ts";
import { workflowOf } from "./pipelines/workflows.ts";
import { SERVER_CHECK_CRON, sweepServers } from "./servers/sweep.ts";
import { recheckDueTemplates, settleTemplateChecks } from "./templates/launch.ts";

/** Marks keys past their expiry as revoked, so listings and the audit log say so plainly. */
export async function revokeExpiredKeys(env: Env, now = new Date()): Promise<number> {
  return expireApiKeys(database(env.DB), now);
}

/** A run recorded but never launched (its launch failed) is launched again once it is this old. */
const LAUNCH_GRACE_MS = 60_000;

/** Launches runs left `queued` without a workflow instance (a failed launch); each launch is idempotent. */
export async function relaunchQueuedRuns(env: Env, now = new Date()): Promise<number> {
  const db = database(env.DB);
  const stranded = await strandedRuns(db, new Date(now.getTime() - LAUNCH_GRACE_MS), 50);
  let launched = 0;
  for (const run of stranded) {
    try {
      await launchRun(env, db, run);
      launched++;
    } catch (err) {
      console.error(JSON.stringify({ task: "relaunchQueuedRuns", runId: run.id, error: String(err) }));
    }
  }
  return launched;
}

/**
 * Marks failed the runs whose workflow ended without finishing them (an error the pipeline did not
 * handle, a terminated instance): the engine's status is the truth, the run row follows it.
 */
export async function settleEndedRuns(env: Env): Promise<number> {
  const db = database(env.DB);
  const active = await launchedRuns(db, 50);
  let settled = 0;
  for (const run of active) {
    try {
      const binding = env[workflowOf(run)];
      const instance = await binding.get(run.workflowInstanceId as string);
      const state = await instance.status();
      if (!["errored", "terminated", "complete"].includes(state.status)) continue;
      const why = state.error?.message ? `: ${state.error.message.slice(0, 300)}` : "";
      const error = `The pipeline ended without finishing the run (${state.status}${why}). Start it again.`;
      // Conditional: a run its workflow finished meanwhile keeps its own outcome.
      if (await failRun(db, run.id, error)) settled++;
    } catch (err) {
      console.error(JSON.stringify({ task: "settleEndedRuns", runId: run.id, error: String(err) }));
    }
  }
  return settled;
}

export async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  if (controller.cron === SERVER_CHECK_CRON) {
    const checked = await sweepServers(env);
    if (checked > 0) console.log(JSON.stringify({ task: "sweepServers", checked }));
    return;
  }
  const revoked = await revokeExpiredKeys(env);
  if (revoked > 0) console.log(JSON.stringify({ task: "revokeExpiredKeys", revoked }));
  const relaunched = await relaunchQueuedRuns(env);
  if (relaunched > 0) console.log(JSON.stringify({ task: "relaunchQueuedRuns", relaunched }));
  const settled = await settleEndedRuns(env);
  if (settled > 0) console.log(JSON.stringify({ task: "settleEndedRuns", settled }));
  const expired = await sweepPreviews(env);
  if (expired > 0) console.log(JSON.stringify({ task: "sweepPreviews", expired }));
  await removeGoneBranches(env);
  const checks = await settleTemplateChecks(env);
  if (checks > 0) console.log(JSON.stringify({ task: "settleTemplateChecks", checks }));
  const rechecks = await recheckDueTemplates(env);
  if (rechecks > 0) console.log(JSON.stringify({ task: "recheckDueTemplates", rechecks }));
  await reconcileRepositories(env);
}

/** The GitHub App's repositories against the projects (github/repo-sync.ts); GitHub down is logged. */
async function reconcileRepositories(env: Env): Promise<void> {
  try {
    const drift = await syncRepositories(env);
    if (drift && drift.orphans.length + drift.missing.length > 0)
      console.log(
        JSON.stringify({
          task: "syncRepositories",
          orphans: drift.orphans.length,
          missing: drift.missing.length,
        }),
      );
  } catch (err) {
    console.error(JSON.stringify({ task: "syncRepositories", error: String(err).slice(0, 300) }));
  }
}

/** Previews whose branch was merged or deleted on GitHub (the App's repositories); GitHub down is logged. */
async function removeGoneBranches(env: Env): Promise<void> {
  try {
    const removed = await sweepGoneBranches(env);
    if (removed > 0) console.log(JSON.stringify({ task: "sweepGoneBranches", removed }));
  } catch (err) {
    console.error(JSON.stringify({ task: "sweepGoneBranches", error: String(err).slice(0, 300) }));
  }
}
