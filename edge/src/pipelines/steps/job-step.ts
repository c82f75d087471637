/**
 * One executor job as workflow steps: submit it (idempotency key = instance id + step name, so a
 * replayed or retried step finds its job instead of starting a twin), wait for the hub's
 * `job-<id>` event, read the outcome. The wait is bounded and followed by a status check, so a
 * lost event costs time, never the run. Steps return small values: the job's output stays in the
 * hub, its log in R2.
 *
 *   const scaffold = await jobStep(pipeline, "prepare", { kind: "copier", spec });
 */

import { type JobKind, type JobOutput, type JobSpec, POOL_LABEL } from "@codegen-orchestrator/shared";
import { database } from "../../db/client.ts";
import { costInsert } from "../../domain/costs.ts";
import { beginStep, endStep } from "../../domain/run-steps.ts";
import { executorHub } from "../../executors/hub.ts";
import type { JobSecretRef } from "../../executors/job-secrets.ts";
import { budgetGate } from "./budget-gate.ts";
import { waitForJobEnd } from "./job-wait.ts";
import { memberSafeError } from "./member-errors.ts";
import type { Pipeline } from "./pipeline-workflow.ts";

export interface JobRequest<K extends JobKind> {
  kind: K;
  spec: JobSpec<K>;
  labels?: Record<string, string>;
  timeoutMs?: number;
  /** The job's secret environment: references, resolved by the hub when it sends the job. */
  secrets?: Record<string, JobSecretRef>;
  /** The executor it belongs on while that one is connected (an earlier job's workspace is there). */
  preferExecutor?: string | null;
  /** What the timeline shows of a finished job, and what it cost (an agent's model use), from its output. */
  summarize?: (output: JobOutput<K>) => {
    detail: Record<string, unknown>;
    cost?: { usd: number; usage: { input_tokens: number; output_tokens: number } };
  };
}

export interface JobOutcome<K extends JobKind> {
  jobId: string;
  /** Who ran its last attempt. */
  executorId: string | null;
  status: string;
  output: JobOutput<K> | null;
  error: string | null;
}

export async function jobStep<K extends JobKind>(
  pipeline: Pipeline,
  name: string,
  request: JobRequest<K>,
): Promise<JobOutcome<K>> {
  const { env, step, instanceId, workflow, runId } = pipeline;
  // A coding agent's job is paid (its model use): the run's budgets are checked before it.
  if (request.kind === "agent") await budgetGate(pipeline, name, "agent");
  const submitted = await step.do(`${name}: submit`, async () => {
    const record = await executorHub(env).submit({
      kind: request.kind,
      spec: request.spec,
      labels: { ...request.labels, [POOL_LABEL]: pipeline.pool },
      timeoutMs: request.timeoutMs,
      secrets: request.secrets,
      preferExecutor: request.preferExecutor ?? null,
      idempotencyKey: `${instanceId}:${name}`,
      notify: { workflow, instanceId },
    });
    await beginStep(database(env.DB), runId, name, record.job.id);
    return { jobId: record.job.id, status: record.job.status as string };
  });
  await waitForJobEnd(step, env, name, submitted);
  // The step returns the output as JSON text (plain and serialisable); it is parsed after, the
  // same way on every replay.
  const outcome = await step.do(`${name}: outcome`, async () => {
    const job = await executorHub(env).outcome(submitted.jobId);
    const status = job?.status ?? "lost";
    // The run and its timeline are the members'; the job keeps git's own words for admins.
    const error = job?.error ? memberSafeError(job.error) : null;
    const result = job?.result ?? null;
    const summary = result && request.summarize ? request.summarize(parseOutput<K>(result)) : null;
    const db = database(env.DB);
    const cost = summary?.cost;
    if (cost && cost.usd > 0)
      await costInsert(db, {
        source: name,
        amountUsd: cost.usd,
        usage: cost.usage,
        projectId: pipeline.projectId,
        runId,
        jobId: submitted.jobId,
      });
    await endStep(
      db,
      runId,
      name,
      status === "succeeded" ? "succeeded" : "failed",
      { jobStatus: status, ...summary?.detail, ...(error ? { error: error.slice(0, 500) } : {}) },
      cost?.usd ?? 0,
    );
    return { status: status as string, result, error, executorId: job?.executorId ?? null };
  });
  return {
    jobId: submitted.jobId,
    // Null for outcomes recorded before the field existed (a replayed older run).
    executorId: outcome.executorId ?? null,
    status: outcome.status,
    output: outcome.result ? parseOutput<K>(outcome.result) : null,
    error: outcome.error,
  };
}

// The hub validated the output against its kind's schema when the executor sent it.
const parseOutput = <K extends JobKind>(text: string) => JSON.parse(text) as JobOutput<K>;
