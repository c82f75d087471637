/**
 * A run that asks its user and waits: what its decision (decisions.ts) and the template's answers
 * (engineering/ask-answers.ts) share. The n-th question of a kind is a timeline step
 * (`decision <n>`, `answers <n>`) and has an event type of its own (`decision-<n>`, `answers-<n>`),
 * so a late or repeated answer can never answer a later question. The workflow waits with the
 * SDK's `waitForApproval`; an answer is accepted once (the run goes from `waiting` to `running` in
 * one conditional write), audited, and only then sent to the workflow. One that could not be sent
 * leaves the run waiting, to be answered again.
 *
 *   const asked = await askAndWait(pipeline, DECISION, n, { send: () => chat.askRunDecision(…), waiting: "…" });
 *   // elsewhere (the API, the chat): const { run, n } = await openQuestion(db, actor, runId, DECISION);
 *   //                                await sendAnswer(env, db, actor, run, DECISION, n, answer);
 */
import type { Db } from "../../db/client.ts";
import { database } from "../../db/client.ts";
import type { Actor } from "../../domain/actor.ts";
import { auditInsert } from "../../domain/audit.ts";
import { conflict } from "../../domain/errors.ts";
import { beginStep, endStep, markWaiting, openStepNamed, type StepStatus } from "../../domain/run-steps.ts";
import { claimAnswer, reopenAnswer } from "../../domain/run-workflows.ts";
import { findRun, type RunRow } from "../../domain/runs.ts";
import type { Env } from "../../env.ts";
import { workflowOf } from "../workflows.ts";
import type { Pipeline } from "./pipeline-workflow.ts";

/** How long a question to the user stays open before the run gives up on it. */
export const QUESTION_TIMEOUT = "7 days";

/** A kind of question: its steps' and events' stem, what it asks for (in refusals), its audit action. */
export interface QuestionKind {
  stem: string;
  what: string;
  action: string;
}

export const questionStep = (kind: QuestionKind, n: number) => `${kind.stem} ${n}`;
export const questionEvent = (kind: QuestionKind, n: number) => `${kind.stem}-${n}`;

/** What `waitForApproval` reads: the SDK's approval payload, the answer as its metadata. */
export interface ApprovalPayload {
  approved: boolean;
  reason?: string;
  metadata: unknown;
}

/** The run's open question of this kind (409 when it waits for none): the run, its number, what the step shows. */
export async function openQuestion(
  db: Db,
  actor: Actor,
  runId: string,
  kind: QuestionKind,
): Promise<{ run: RunRow; n: number; detail: Record<string, unknown> | null }> {
  const run = await findRun(db, actor, runId);
  const open = await openStepNamed(db, run.id, `${kind.stem} `);
  const n = Number(open?.name.slice(kind.stem.length + 1));
  if (run.status !== "waiting" || !open || !Number.isSafeInteger(n) || !run.workflowInstanceId)
    throw conflict(`Run ${run.id} is not waiting for ${kind.what} (it is ${run.status}).`);
  return { run, n, detail: open.detail };
}

/** Accepts the answer once, audits it (`details`: never a value), and sends it to the run's workflow. */
export async function sendAnswer(
  env: Env,
  db: Db,
  actor: Actor,
  question: { run: RunRow; kind: QuestionKind; n: number },
  answer: { payload: ApprovalPayload; details: Record<string, unknown> },
): Promise<RunRow> {
  const { run, kind, n } = question;
  if (!(await claimAnswer(db, run.id))) throw conflict(`Run ${run.id} was answered already.`);
  await auditInsert(db, actor.userId, {
    action: kind.action,
    targetType: "run",
    targetId: run.id,
    details: answer.details,
  });
  const instance = await env[workflowOf(run)].get(run.workflowInstanceId as string);
  try {
    await instance.sendEvent({ type: questionEvent(kind, n), payload: answer.payload });
  } catch (err) {
    // Not delivered: the run still waits, and the user may answer again.
    await reopenAnswer(db, run.id);
    throw err;
  }
  return { ...run, status: "running" };
}

/** How a wait ended: an answer (its metadata), a rejection, or nothing in time. */
export type Asked = { how: "answered"; answer: unknown } | { how: "rejected" | "no answer in time" };

/**
 * The n-th question of its kind, as workflow steps: the step begun (showing `detail`), the run
 * `waiting`, the question sent to the chat (`send`), a line in the run's status message, then the wait.
 * The caller records the outcome with `closeQuestion`.
 */
export async function askAndWait(
  pipeline: Pipeline,
  kind: QuestionKind,
  n: number,
  question: { detail?: Record<string, unknown>; send: () => Promise<void>; waiting: string },
): Promise<Asked> {
  const { env, step, runId } = pipeline;
  const name = questionStep(kind, n);
  await step.do(`${name}: ask`, async () => {
    const db = database(env.DB);
    await beginStep(db, runId, name, null, question.detail ?? null);
    await markWaiting(db, runId, true);
    await question.send();
  });
  await pipeline.progress(kind.stem, question.waiting);
  try {
    const answer = await pipeline.waitForApproval({
      stepName: `${name}: wait`,
      eventType: questionEvent(kind, n),
      timeout: QUESTION_TIMEOUT,
    });
    return { how: "answered", answer };
  } catch (err) {
    return { how: (err as Error).name === "WorkflowRejectedError" ? "rejected" : "no answer in time" };
  }
}

/** Records the n-th question's outcome: the run goes on, the step ends; `also`: more writes of the same step. */
export async function closeQuestion(
  pipeline: Pipeline,
  kind: QuestionKind,
  n: number,
  end: { status: Exclude<StepStatus, "running">; detail: Record<string, unknown> },
  also?: (db: Db) => Promise<unknown>,
): Promise<void> {
  const { env, step, runId } = pipeline;
  const name = questionStep(kind, n);
  await step.do(`${name}: record`, async () => {
    const db = database(env.DB);
    await markWaiting(db, runId, false);
    await endStep(db, runId, name, end.status, end.detail);
    await also?.(db);
  });
}
