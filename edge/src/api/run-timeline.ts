/** A run's timeline as clients see it (the API's `/runs/{id}/steps`, the console's run page). */
import type { RunStep } from "@codegen-orchestrator/shared";
import type { Db } from "../db/client.ts";
import type { Actor } from "../domain/actor.ts";
import { jobLogVisible, listSteps, type StepRow } from "../domain/run-steps.ts";
import { findRun, type RunRow } from "../domain/runs.ts";
import type { Env } from "../env.ts";
import { executorHub } from "../executors/hub.ts";
import { iso, isoOrNull } from "../ids.ts";

const toRunStep = (row: StepRow, job: { progress: string | null; logReadable: boolean }): RunStep => ({
  name: row.name,
  status: row.status,
  jobId: row.jobId,
  detail: row.detail,
  costUsd: row.costUsd,
  startedAt: iso(row.startedAt),
  finishedAt: isoOrNull(row.finishedAt),
  durationMs: row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
  progress: job.progress,
  logReadable: job.logReadable,
});

/** The run (if the actor may see it; 404 otherwise) and its steps, each running one with its job's progress. */
export async function runTimeline(
  env: Env,
  db: Db,
  actor: Actor,
  runId: string,
): Promise<{ run: RunRow; steps: RunStep[] }> {
  const run = await findRun(db, actor, runId);
  const hub = executorHub(env);
  const steps = await Promise.all(
    (await listSteps(db, run.id)).map(async (row) => {
      if (!row.jobId) return toRunStep(row, { progress: null, logReadable: false });
      const kind = await hub.kind(row.jobId);
      return toRunStep(row, {
        progress: row.status === "running" ? await hub.progress(row.jobId) : null,
        logReadable: kind !== null && (await jobLogVisible(db, actor, { id: row.jobId, kind })),
      });
    }),
  );
  return { run, steps };
}
