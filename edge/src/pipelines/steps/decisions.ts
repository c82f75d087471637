/**
 * Human escalation: after the last fix iteration the run waits for its user's decision (retry with
 * guidance, deploy anyway, stop), asked in the chat with buttons or given through the API. A
 * question to the user like any other (run-questions.ts): `decision <n>`, answered once by the
 * event `decision-<n>`; "stop" is the approval's rejection.
 */
import { RunDecision } from "@codegen-orchestrator/shared";
import type { Db } from "../../db/client.ts";
import type { Actor } from "../../domain/actor.ts";
import type { RunRow } from "../../domain/runs.ts";
import type { Env } from "../../env.ts";
import type { Pipeline } from "./pipeline-workflow.ts";
import { askAndWait, closeQuestion, openQuestion, type QuestionKind, sendAnswer } from "./run-questions.ts";

const DECISION: QuestionKind = { stem: "decision", what: "a decision", action: "run.decide" };

/** The user's (or the API's) answer to the run's open question, sent to its workflow. */
export async function decideRun(
  env: Env,
  db: Db,
  actor: Actor,
  runId: string,
  decision: RunDecision,
): Promise<RunRow> {
  const { run, n } = await openQuestion(db, actor, runId, DECISION);
  const stop = decision.choice === "stop";
  return sendAnswer(
    env,
    db,
    actor,
    { run, kind: DECISION, n },
    {
      payload: { approved: !stop, ...(stop ? { reason: "Stopped by the user." } : {}), metadata: decision },
      details: { choice: decision.choice, guidance: decision.guidance !== undefined },
    },
  );
}

/**
 * The n-th question to the run's user, as workflow steps: asked (the run waits), answered, and
 * recorded. A rejection ("stop") or no answer in time is a stop.
 */
export async function askDecision(pipeline: Pipeline, n: number, situation: string): Promise<RunDecision> {
  const asked = await askAndWait(pipeline, DECISION, n, {
    send: () => pipeline.chat.askRunDecision(pipeline.runId, situation),
    waiting: `✋ ${situation} Waiting for your decision…`,
  });
  let decision: RunDecision = { choice: "stop" };
  let how = asked.how === "no answer in time" ? asked.how : "answered";
  if (asked.how === "answered") {
    const parsed = RunDecision.safeParse(asked.answer);
    if (parsed.success) decision = parsed.data;
    else how = "unreadable answer";
  }
  await closeQuestion(pipeline, DECISION, n, {
    status: "succeeded",
    detail: { choice: decision.choice, how, guidance: Boolean(decision.guidance) },
  });
  return decision;
}
