/** Cron housekeeping (see `[triggers]` in wrangler.toml). Each task is idempotent. */
import { and, eq, inArray, isNotNull, isNull, lte } from "drizzle-orm";
import { auditInsert } from "./api/audit.ts";
import { database } from "./db/client.ts";
import { apiKeys, runs } from "./db/schema.ts";
import type { Env } from "./env.ts";
import { launchRun } from "./pipelines/launch.ts";
import { workflowOf } from "./pipelines/workflows.ts";

/** Marks keys past their expiry as revoked, so listings and the audit log say so plainly. */
export async function revokeExpiredKeys(env: Env, now = new Date()): Promise<number> {
  const db = database(env.DB);
  const expired = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(isNull(apiKeys.revokedAt), isNotNull(apiKeys.expiresAt), lte(apiKeys.expiresAt, now)))
    .returning({ id: apiKeys.id });
  if (expired.length > 0) {
    await db.batch(
      expired.map(({ id }) =>
        auditInsert(db, null, { action: "api_key.expire", targetType: "api_key", targetId: id }),
      ) as [ReturnType<typeof auditInsert>, ...ReturnType<typeof auditInsert>[]],
    );
  }
  return expired.length;
}

/** A run recorded but never launched (its launch failed) is launched again once it is this old. */
const LAUNCH_GRACE_MS = 60_000;

/** Launches runs left `queued` without a workflow instance (a failed launch); each launch is idempotent. */
export async function relaunchQueuedRuns(env: Env, now = new Date()): Promise<number> {
  const db = database(env.DB);
  const stranded = await db
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.status, "queued"),
        isNull(runs.workflowInstanceId),
        lte(runs.createdAt, new Date(now.getTime() - LAUNCH_GRACE_MS)),
      ),
    )
    .limit(50);
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
  const active = await db
    .select()
    .from(runs)
    .where(and(inArray(runs.status, ["running", "waiting"]), isNotNull(runs.workflowInstanceId)))
    .limit(50);
  let settled = 0;
  for (const run of active) {
    try {
      const binding = env[workflowOf(run)];
      const instance = await binding.get(run.workflowInstanceId as string);
      const state = await instance.status();
      if (!["errored", "terminated", "complete"].includes(state.status)) continue;
      const why = state.error?.message ? `: ${state.error.message.slice(0, 300)}` : "";
      // Conditional: a run its workflow finished meanwhile keeps its own outcome.
      const marked = await db
        .update(runs)
        .set({
          status: "failed",
          error: `The pipeline ended without finishing the run (${state.status}${why}). Start it again.`,
          finishedAt: new Date(),
        })
        .where(and(eq(runs.id, run.id), inArray(runs.status, ["running", "waiting"])))
        .returning({ id: runs.id });
      settled += marked.length;
    } catch (err) {
      console.error(JSON.stringify({ task: "settleEndedRuns", runId: run.id, error: String(err) }));
    }
  }
  return settled;
}

export async function scheduled(_controller: ScheduledController, env: Env): Promise<void> {
  const revoked = await revokeExpiredKeys(env);
  if (revoked > 0) console.log(JSON.stringify({ task: "revokeExpiredKeys", revoked }));
  const relaunched = await relaunchQueuedRuns(env);
  if (relaunched > 0) console.log(JSON.stringify({ task: "relaunchQueuedRuns", relaunched }));
  const settled = await settleEndedRuns(env);
  if (settled > 0) console.log(JSON.stringify({ task: "settleEndedRuns", settled }));
}
