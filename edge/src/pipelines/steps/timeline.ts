/**
 * A workflow step that is one row of the run's timeline: begun, worked, and ended as the work
 * says, in one step (a replayed step writes the same row again: see domain/run-steps.ts).
 *
 *   const placed = await timelineStep(pipeline, "allocate", async (db) => ({ status: "succeeded", value }));
 */
import type { WorkflowStepConfig } from "cloudflare:workers";
import type { Db } from "../../db/client.ts";
import { database } from "../../db/client.ts";
import { beginStep, endStep, type StepStatus } from "../../domain/run-steps.ts";
import type { Pipeline } from "./pipeline-workflow.ts";

/** How the work ended: the row's status, what it shows, what it cost, and the step's value. */
export interface StepEnd<T> {
  status: Exclude<StepStatus, "running">;
  detail?: Record<string, unknown> | null;
  costUsd?: number;
  value: T;
}

export interface TimelineStepOptions {
  /** The timeline row, when it is not named like the step ("prepare" for "prepare: skipped"). */
  row?: string;
  /** The step's retries (a thrown error retries the step, its row still running). */
  config?: WorkflowStepConfig;
}

export function timelineStep<T extends Rpc.Serializable<T>>(
  pipeline: Pick<Pipeline, "env" | "step" | "runId">,
  name: string,
  work: (db: Db) => Promise<StepEnd<T>>,
  options: TimelineStepOptions = {},
): Promise<T> {
  const { env, step, runId } = pipeline;
  const row = options.row ?? name;
  const record = async () => {
    const db = database(env.DB);
    await beginStep(db, runId, row);
    const end = await work(db);
    await endStep(db, runId, row, end.status, end.detail ?? null, end.costUsd ?? 0);
    return end.value;
  };
  return options.config ? step.do(name, options.config, record) : step.do(name, record);
}
