/**
 * Human escalation: after the last fix iteration the run waits (`waitForApproval`) for its user's
 * decision, asked in the chat with buttons or given through the API. Each question has its own
 * event type (`decision-<n>`), so a late or repeated answer can never answer a later question; a
 * decision is accepted once (the run goes from `waiting` to `running` in one conditional write)
 * and only then sent to the workflow.
 */
import { RunDecision } from "@codegen-orchestrator/shared";
import type { Db } from "../../db/client.ts";
import { database } from "../../db/client.ts";
import type { Actor } from "../../domain/actor.ts";
import { auditInsert } from "../../domain/audit.ts";
import { conflict } from "../../domain/errors.ts";
import { beginStep, endStep, markWaiting, openStepNamed } from "../../domain/run-steps.ts";
import { claimDecision, reopenDecision } from "../../domain/run-workflows.ts";
import { findRun, type RunRow } from "../../domain/runs.ts";
import type { Env } from "../../env.ts";
import { workflowOf } from "../workflows.ts";
import type { Pipeline } from "./pipeline-workflow.ts";

/** How long a question to the user stays open before the run stops. */
const DECISION_TIMEOUT = "7 days";
const STEP_PREFIX = "decision ";

/** The timeline step of the n-th question, and the event that answers it. */
export const decisionStep = (n: number) => `${STEP_PREFIX}${n}`;
export const decisionEvent = (n: number) => `decision-${n}`;

/** What `waitForApproval` reads: the SDK's approval payload, our decision as its metadata. */
interface ApprovalPayload {
  approved: boolean;
  reason?: string;
  metadata: RunDecision;
}

/** The user's (or the API's) answer to the run's open question, sent to its workflow. */
export async function decideRun(
  env: Env,
  db: Db,
  actor: Actor,
  runId: string,
  decision: RunDecision,
): Promise<RunRow> {
  const run = await findRun(db, actor, runId);
  const open = await openStepNamed(db, run.id, STEP_PREFIX);
  const n = Number(open?.slice(STEP_PREFIX.length));
  if (run.status !== "waiting" || !open || !Number.isSafeInteger(n) || !run.workflowInstanceId)
    throw conflict(`Run ${run.id} is not waiting for a decision (it is ${run.status}).`);
  if (!(await claimDecision(db, run.id))) throw conflict(`Run ${run.id} was decided already.`);
  await auditInsert(db, actor.userId, {
    action: "run.decide",
    targetType: "run",
    targetId: run.id,
    details: { choice: decision.choice, guidance: decision.guidance !== undefined },
  });
  const payload: ApprovalPayload = {
    approved: decision.choice !== "stop",
    ...(decision.choice === "stop" ? { reason: "Stopped by the user." } : {}),
    metadata: decision,
  };
  const instance = await env[workflowOf(run)].get(run.workflowInstanceId);
  try {
    await instance.sendEvent({ type: decisionEvent(n), payload });
  } catch (err) {
    // Not delivered: the run still waits, and the user may decide again.
    await reopenDecision(db, run.id);
    throw err;
  }
  return { ...run, status: "running" };
}

/**
 * The n-th question to the run's user, as workflow steps: asked (the run waits), answered, and
 * recorded. A rejection ("stop") or no answer in time is a stop.
 */
export async function askDecision(pipeline: Pipeline, n: number, situation: string): Promise<RunDecision> {
  const { env, step, runId } = pipeline;
  const name = decisionStep(n);
  await step.do(`${name}: ask`, async () => {
    const db = database(env.DB);
    await beginStep(db, runId, name);
    await markWaiting(db, runId, true);
    await pipeline.chat.askRunDecision(runId, situation);
  });
  await pipeline.progress("decision", `✋ ${situation} Waiting for your decision…`);
  let decision: RunDecision = { choice: "stop" };
  let how = "answered";
  try {
    const answer = await pipeline.waitForApproval({
      stepName: `${name}: wait`,
      eventType: decisionEvent(n),
      timeout: DECISION_TIMEOUT,
    });
    const parsed = RunDecision.safeParse(answer);
    if (parsed.success) decision = parsed.data;
    else how = "unreadable answer";
  } catch (err) {
    // Rejected ("stop"), or nobody answered in time.
    if ((err as Error).name !== "WorkflowRejectedError") how = "no answer in time";
  }
  await step.do(`${name}: record`, async () => {
    const db = database(env.DB);
    await markWaiting(db, runId, false);
    await endStep(db, runId, name, "succeeded", {
      choice: decision.choice,
      how,
      guidance: Boolean(decision.guidance),
    });
  });
  return decision;
}
