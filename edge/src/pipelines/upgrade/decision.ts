/**
 * The owner's decision on an upgrade's branch, asked once its tests ran: merge it and deploy, or
 * skip this version (the chat's buttons, or `POST /runs/{id}/upgrade`). A question to the user like
 * the engineering graph's decision (steps/run-questions.ts): `upgrade <n>`, answered once by the
 * event `upgrade-<n>`. "Look first" is the chat's own: it shows the branch and keeps the question open.
 */
import { UpgradeDecision } from "@codegen-orchestrator/shared";
import type { Db } from "../../db/client.ts";
import type { Actor } from "../../domain/actor.ts";
import type { RunRow } from "../../domain/runs.ts";
import type { Env } from "../../env.ts";
import type { RunUpgradeOffer } from "../run-chat.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import {
  askAndWait,
  closeQuestion,
  openQuestion,
  type QuestionKind,
  sendAnswer,
} from "../steps/run-questions.ts";

const UPGRADE: QuestionKind = { stem: "upgrade", what: "an upgrade decision", action: "run.upgrade" };

/** The owner's (or the API's) answer to the upgrade run's question, sent to its workflow. */
export async function decideUpgrade(
  env: Env,
  db: Db,
  actor: Actor,
  runId: string,
  decision: UpgradeDecision,
): Promise<RunRow> {
  const { run, n } = await openQuestion(db, actor, runId, UPGRADE);
  return sendAnswer(
    env,
    db,
    actor,
    { run, kind: UPGRADE, n },
    { payload: { approved: true, metadata: decision }, details: { choice: decision.choice } },
  );
}

/** Asks the run's owner about the upgrade's branch and waits: their choice, or no answer in time. */
export async function askUpgrade(
  pipeline: Pipeline,
  offer: RunUpgradeOffer,
): Promise<UpgradeDecision["choice"] | "no answer"> {
  const asked = await askAndWait(pipeline, UPGRADE, 1, {
    detail: { branch: offer.branch, testsPassed: offer.testsPassed, conflicts: offer.conflicts.length },
    send: () => pipeline.chat.askRunUpgrade(pipeline.runId, offer),
    waiting: `✋ ${offer.templateName} ${offer.toVersion} is on ${offer.branch}. Waiting for your decision…`,
  });
  let choice: UpgradeDecision["choice"] | "no answer" = "no answer";
  let how: string = asked.how;
  if (asked.how === "answered") {
    const parsed = UpgradeDecision.safeParse(asked.answer);
    if (parsed.success) choice = parsed.data.choice;
    else how = "unreadable answer";
  }
  await closeQuestion(pipeline, UPGRADE, 1, { status: "succeeded", detail: { choice, how } });
  return choice;
}
