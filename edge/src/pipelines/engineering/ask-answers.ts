/**
 * A run asks its user for the answers its template's validators refused (scaffold-step.ts), when
 * the Architect could not give ones they take: the questions (never a secret one) go to the run's
 * chat, asked there one at a time, and are open to the API (`POST /runs/{id}/answers`); the run
 * waits (`answers <n>`, event `answers-<n>`: a question to the user like a decision, see
 * ../steps/run-questions.ts). The answers, read as each question's type, are merged into the
 * spec (stored on the project) and the scaffold runs again.
 */
import {
  AskedQuestion,
  type ProjectSpec,
  type RunAnswers,
  TemplateAnswer,
} from "@codegen-orchestrator/shared";
import { z } from "zod";
import type { Db } from "../../db/client.ts";
import type { Actor } from "../../domain/actor.ts";
import { ApiError, conflict } from "../../domain/errors.ts";
import { specUpdate } from "../../domain/pipeline-projects.ts";
import type { RunRow } from "../../domain/runs.ts";
import type { Env } from "../../env.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import {
  askAndWait,
  closeQuestion,
  openQuestion,
  QUESTION_TIMEOUT,
  type QuestionKind,
  sendAnswer,
} from "../steps/run-questions.ts";
import { readAnswer } from "./answer-values.ts";
import { modulesOf } from "./template-questions.ts";

export const ANSWERS: QuestionKind = {
  stem: "answers",
  what: "answers to its template's questions",
  action: "run.answer",
};

type Answers = Record<string, TemplateAnswer>;

/** What the open `answers <n>` step shows: the questions asked. */
const AskedDetail = z.object({ questions: z.array(AskedQuestion).min(1) });
/** What the workflow receives: an answer, read already, to each question. */
const AnswersEvent = z.object({ answers: z.record(z.string(), TemplateAnswer) });

/**
 * The user's (or the API's) answers to the questions the run waits for, read and sent to its
 * workflow: 409 when it waits for none, 400 naming each answer missing, not asked or unreadable.
 */
export async function answerRun(
  env: Env,
  db: Db,
  actor: Actor,
  runId: string,
  body: RunAnswers,
): Promise<RunRow> {
  const { run, n, detail } = await openQuestion(db, actor, runId, ANSWERS);
  const asked = AskedDetail.safeParse(detail);
  if (!asked.success) throw conflict(`Run ${run.id} does not say what it asks.`);
  const answers = readAnswers(asked.data.questions, body.answers);
  // Audited by the questions' names: never a value.
  return sendAnswer(
    env,
    db,
    actor,
    { run, kind: ANSWERS, n },
    { payload: { approved: true, metadata: { answers } }, details: { questions: Object.keys(answers) } },
  );
}

/** Each asked question's answer, read as its type; a 400 naming every one missing, not asked or unreadable. */
export function readAnswers(questions: AskedQuestion[], given: Record<string, unknown>): Answers {
  const issues: { path: string; message: string }[] = [];
  const answers: Answers = {};
  for (const question of questions) {
    const path = `body.answers.${question.name}`;
    if (!Object.hasOwn(given, question.name)) {
      issues.push({ path, message: "not answered" });
      continue;
    }
    const read = readAnswer(question, given[question.name]);
    if ("error" in read) issues.push({ path, message: read.error });
    else answers[question.name] = read.value;
  }
  for (const name of Object.keys(given))
    if (!questions.some((question) => question.name === name))
      issues.push({ path: `body.answers.${name}`, message: "not asked" });
  if (issues.length === 0) return answers;
  const list = issues.map((issue) => `${issue.path.slice("body.answers.".length)}: ${issue.message}`);
  throw new ApiError(400, "invalid_request", `The answers were not taken: ${list.join("; ")}.`, { issues });
}

/**
 * The n-th time the run asks, as workflow steps: the questions asked (the run waits), the answers
 * merged into the spec and stored on the project; or why the run cannot go on (no answer in time).
 */
export async function askAnswers(
  pipeline: Pipeline,
  n: number,
  template: string,
  spec: ProjectSpec,
  questions: AskedQuestion[],
): Promise<{ spec: ProjectSpec } | { error: string }> {
  const names = questions.map((question) => question.name);
  const asked = await askAndWait(pipeline, ANSWERS, n, {
    detail: { template, questions },
    send: () => pipeline.chat.askRunAnswers(pipeline.runId, { n, template, questions }),
    waiting: `✋ The template ${template} refused the answers to ${names.join(", ")}: waiting for yours…`,
  });
  const event = asked.how === "answered" ? AnswersEvent.safeParse(asked.answer) : null;
  const answers = event?.success ? event.data.answers : null;
  if (!answers || names.some((name) => !Object.hasOwn(answers, name))) {
    const how = asked.how === "no answer in time" ? asked.how : "unreadable answer";
    await closeQuestion(pipeline, ANSWERS, n, { status: "failed", detail: { questions: names, how } });
    return {
      error:
        how === "no answer in time"
          ? `Nobody answered the template ${template}'s questions (${names.join(", ")}) in ${QUESTION_TIMEOUT}: the run ended. Start it again to be asked again.`
          : `The answers to the template ${template}'s questions could not be read: the run ended.`,
    };
  }
  const taken: Answers = Object.fromEntries(names.map((name) => [name, answers[name] as TemplateAnswer]));
  const merged = { ...spec.answers, ...taken };
  const next: ProjectSpec = { ...spec, answers: merged, modules: modulesOf(merged) };
  await closeQuestion(
    pipeline,
    ANSWERS,
    n,
    { status: "succeeded", detail: { questions: names, answers: taken, how: "answered" } },
    (db) => specUpdate(db, pipeline.projectId, next),
  );
  return { spec: next };
}
