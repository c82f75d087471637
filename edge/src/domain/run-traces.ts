/**
 * What a run's trace is made from, as D1 holds it (traces/run-trace.ts shapes it): the run, its
 * timeline in order, and the tokens its costs booked (with the job, if any, and when).
 */
import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { costs, runs } from "../db/schema.ts";
import { listSteps, type StepRow } from "./run-steps.ts";

export type TracedRun = typeof runs.$inferSelect;
export type BookedTokens = Pick<
  typeof costs.$inferSelect,
  "jobId" | "inputTokens" | "outputTokens" | "createdAt"
>;

export interface RunTraceRows {
  run: TracedRun;
  steps: StepRow[];
  booked: BookedTokens[];
}

/** The run's rows, or null when there is no such run. */
export async function runTraceRows(db: Db, runId: string): Promise<RunTraceRows | null> {
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  if (!run) return null;
  const booked = await db
    .select({
      jobId: costs.jobId,
      inputTokens: costs.inputTokens,
      outputTokens: costs.outputTokens,
      createdAt: costs.createdAt,
    })
    .from(costs)
    .where(eq(costs.runId, runId))
    .orderBy(asc(costs.createdAt));
  return { run, steps: await listSteps(db, runId), booked };
}
