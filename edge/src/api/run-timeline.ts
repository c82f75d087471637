/** A run's timeline as clients see it (the API's `/runs/{id}/steps`, the console's run page). */
import type { RunStep } from "@codegen-orchestrator/shared";
import type { Db } from "../db/client.ts";
import type { Actor } from "../domain/actor.ts";
import { listSteps, type StepRow } from "../domain/run-steps.ts";
import { findRun, type RunRow } from "../domain/runs.ts";
import type { Env } from "../env.ts";
import { executorHub } from "../executors/hub.ts";
import { iso, isoOrNull } from "../ids.ts";

const toRunStep = (row: StepRow, progress: string | null): RunStep => ({
  name: row.name,
  status: row.status,
  jobId: row.jobId,
  detail: row.detail,
  costUsd: row.costUsd,
  startedAt: iso(row.startedAt),
  finishedAt: isoOrNull(row.finishedAt),
  durationMs: row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
  progress,
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
    (await listSteps(db, run.id)).map(async (row) =>
      toRunStep(row, row.status === "running" && row.jobId ? await hub.progress(row.jobId) : null),
    ),
  );
  return { run, steps };
}
