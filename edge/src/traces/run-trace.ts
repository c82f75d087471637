/**
 * A finished run as its trace shows it, read from D1 (the run, its timeline, its costs:
 * domain/run-traces.ts) and the hub (each step's job kind). Only what is safe to send to a tracing tool is
 * read: names, statuses, times, ids, tokens and costs, and the error a step or the run ended with
 * (what the run's timeline shows its members); never a step's other detail, a prompt or a secret.
 *
 *   const trace = await readRunTrace(env, runId);
 */
import type { JobKind } from "@codegen-orchestrator/shared";
import { database } from "../db/client.ts";
import type { StepRow, StepStatus } from "../domain/run-steps.ts";
import { type BookedTokens, runTraceRows } from "../domain/run-traces.ts";
import type { Env } from "../env.ts";
import { executorHub } from "../executors/hub.ts";

export interface TraceUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface TraceStep {
  name: string;
  status: StepStatus;
  /** Epoch milliseconds; a step that never ended (a stopped run's) ends with the run. */
  startedAt: number;
  finishedAt: number;
  jobId: string | null;
  jobKind: JobKind | null;
  /** The step's own model call (the Architect's, the EnvAnalyzer's): its tokens were booked without a job. */
  modelCall: boolean;
  /** Tokens of the step's model use: its own call's, or its job's (an agent's). */
  usage: TraceUsage | null;
  costUsd: number;
  error: string | null;
}

export interface RunTrace {
  runId: string;
  kind: string;
  projectId: string;
  status: string;
  error: string | null;
  startedAt: number;
  finishedAt: number;
  costUsd: number;
  steps: TraceStep[];
}

/** The run's trace, or null when there is no such run. */
export async function readRunTrace(env: Env, runId: string): Promise<RunTrace | null> {
  const rows = await runTraceRows(database(env.DB), runId);
  if (!rows) return null;
  const { run, booked } = rows;
  const hub = executorHub(env);
  const kinds = new Map<string, JobKind | null>();
  for (const { jobId } of rows.steps) if (jobId && !kinds.has(jobId)) kinds.set(jobId, await hub.kind(jobId));

  const startedAt = (run.startedAt ?? run.createdAt).getTime();
  const lastEnd = Math.max(
    startedAt,
    ...rows.steps.map((row) => (row.finishedAt ?? row.startedAt).getTime()),
  );
  const finishedAt = run.finishedAt?.getTime() ?? lastEnd;
  const spans = rows.steps.map((row) => ({
    row,
    startedAt: row.startedAt.getTime(),
    finishedAt: row.finishedAt?.getTime() ?? Math.max(row.startedAt.getTime(), finishedAt),
  }));
  const steps = spans.map((span) => traceStep(span, ownCosts(span, spans, booked), kinds));
  return {
    runId,
    kind: run.kind,
    projectId: run.projectId,
    status: run.status,
    error: run.error,
    startedAt,
    finishedAt,
    costUsd: steps.reduce((total, step) => total + step.costUsd, 0),
    steps,
  };
}

interface StepSpan {
  row: StepRow;
  startedAt: number;
  /** A step that never ended (a stopped run's) ends with the run. */
  finishedAt: number;
}

/**
 * The costs booked for the step's model use. A job's are booked with its job id. A step's own
 * model call is booked without one, while the step ran; a run's steps run one after the other, so
 * a cost goes to the first step without a job whose time holds it (the next one may begin in the
 * millisecond the call's step ended, never before it began).
 */
function ownCosts(span: StepSpan, spans: StepSpan[], booked: BookedTokens[]): BookedTokens[] {
  const { jobId } = span.row;
  if (jobId) return booked.filter((cost) => cost.jobId === jobId);
  const holds = (other: StepSpan, at: number) => at >= other.startedAt && at <= other.finishedAt;
  return booked.filter((cost) => {
    if (cost.jobId !== null) return false;
    const at = cost.createdAt.getTime();
    return spans.find((other) => !other.row.jobId && holds(other, at)) === span;
  });
}

function traceStep(
  { row, startedAt, finishedAt }: StepSpan,
  own: BookedTokens[],
  kinds: Map<string, JobKind | null>,
): TraceStep {
  return {
    name: row.name,
    status: row.status,
    startedAt,
    finishedAt,
    jobId: row.jobId,
    jobKind: row.jobId ? (kinds.get(row.jobId) ?? null) : null,
    modelCall: !row.jobId && own.length > 0,
    usage: own.length ? sumUsage(own) : null,
    costUsd: row.costUsd,
    error: stepError(row),
  };
}

const sumUsage = (rows: BookedTokens[]): TraceUsage => ({
  inputTokens: rows.reduce((total, row) => total + (row.inputTokens ?? 0), 0),
  outputTokens: rows.reduce((total, row) => total + (row.outputTokens ?? 0), 0),
});

/** Why a step failed: its error as the timeline shows it, else its job's end ("job timed_out"). */
function stepError(row: StepRow): string | null {
  if (row.status !== "failed") return null;
  const { error, jobStatus } = row.detail ?? {};
  if (typeof error === "string" && error) return error;
  if (typeof jobStatus === "string" && jobStatus !== "succeeded") return `job ${jobStatus}`;
  return null;
}
