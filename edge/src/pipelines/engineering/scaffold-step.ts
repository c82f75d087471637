/**
 * The scaffold as workflow steps: a `copier` job renders the template with the spec's answers and
 * pushes the first commit ("prepare"). When the template's validators refuse answers (the job
 * fails `invalid_answers`, each question with its validator's message):
 *
 * 1. if the model gave them, the Architect is shown the messages and corrects them ("fix answers
 *    <n>", its value the corrected spec, stored on the project), and the scaffold runs again
 *    ("prepare <n+1>"), at most `ANSWER_FIXES` times;
 * 2. then, or when a refused answer is not one the model gives (a default, a name our code filled,
 *    a `yaml` question), the run asks its user (ask-answers.ts: "answers <n>", the run `waiting`,
 *    the questions in its chat and open to `POST /runs/{id}/answers`), merges the answers into the
 *    spec and scaffolds again, asking again while the template refuses, at most `ANSWER_ASKS` times;
 * 3. after that, or when a refused question is a `secret` one (never asked in the chat: the answer
 *    would stay in its history), or nobody answers in time, the run fails naming each question,
 *    the answer refused and its validator's message.
 */
import { type AskedQuestion, type ProjectSpec, ScaffoldFailure } from "@codegen-orchestrator/shared";
import { specUpdate } from "../../domain/pipeline-projects.ts";
import type { ScaffoldTemplate } from "../../domain/project-templates.ts";
import { jobStep } from "../steps/job-step.ts";
import { modelStep } from "../steps/model-step.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import type { ProjectRepository } from "../steps/repository.ts";
import { askedQuestion } from "./answer-values.ts";
import { type ArchitectResult, fixAnswers, type RefusedAnswer } from "./architect.ts";
import { askAnswers } from "./ask-answers.ts";
import { scaffoldJob } from "./prepare.ts";
import { askableQuestions } from "./template-questions.ts";

/** How many times the Architect may correct answers the template's validators refused. */
export const ANSWER_FIXES = 2;
/** How many times the run asks its user for answers the template's validators refused. */
export const ANSWER_ASKS = 3;

type Scaffolded = { commit: string; spec: ProjectSpec } | { error: string };

export async function scaffoldStep(
  pipeline: Pipeline,
  project: { slug: string },
  spec: ProjectSpec,
  template: ScaffoldTemplate,
  repo: ProjectRepository,
): Promise<Scaffolded> {
  let current = spec;
  let fixes = 0;
  let asks = 0;
  for (let attempt = 1; ; attempt++) {
    const prepared = await jobStep(pipeline, attempt === 1 ? "prepare" : `prepare ${attempt}`, {
      kind: "copier",
      ...scaffoldJob(pipeline.env, { slug: project.slug, ...current }, template, repo),
      summarize: () => ({ detail: { template: template.name, version: template.version } }),
    });
    const output = prepared.output;
    const commit = output && "published" in output ? output.published?.commit : null;
    if (prepared.status === "succeeded" && commit) return { commit, spec: current };
    const refused = refusedAnswers(output);
    if (!refused)
      return { error: `Scaffolding failed (${prepared.status}): ${prepared.error ?? "see the job log"}` };
    // The Architect first, while it has corrections left and the refused answers are its own.
    if (asks === 0 && fixes < ANSWER_FIXES && modelCanFix(template, refused)) {
      const fixed = await fixStep(pipeline, ++fixes, current, template, refused);
      if (!fixed.spec)
        return { error: `The Architect could not correct the template's answers: ${fixed.error}` };
      current = fixed.spec;
      continue;
    }
    const questions = userQuestions(template, current, refused);
    if ("unaskable" in questions || asks >= ANSWER_ASKS) {
      const why = "unaskable" in questions ? notAsked(questions.unaskable) : "";
      return { error: `${refusalMessage(template.name, current, refused, { fixes, asks })}${why} ${AGAIN}` };
    }
    const answered = await askAnswers(pipeline, ++asks, template.name, current, questions);
    if ("error" in answered) return answered;
    current = answered.spec;
  }
}

/** The questions a failed scaffold refused, with their validators' messages; null for any other failure. */
function refusedAnswers(output: unknown): RefusedAnswer[] | null {
  const failure = ScaffoldFailure.safeParse(output);
  if (!failure.success || failure.data.error.code !== "invalid_answers") return null;
  const questions = failure.data.error.questions ?? [];
  return questions.length ? questions : null;
}

/** Whether every refused answer is the model's to give (not ours from the spec, not a secret's). */
function modelCanFix(template: ScaffoldTemplate, refused: RefusedAnswer[]): boolean {
  const askable = new Set(askableQuestions(template.questions ?? []).map((question) => question.name));
  return refused.every((item) => askable.has(item.question));
}

/**
 * The refused questions as the run's user is asked them; `unaskable`: the secret ones (an answer
 * in the chat would stay in its history) and any the template's questions do not list.
 */
export function userQuestions(
  template: ScaffoldTemplate,
  spec: ProjectSpec,
  refused: RefusedAnswer[],
): AskedQuestion[] | { unaskable: { name: string; secret: boolean }[] } {
  const questions = template.questions ?? [];
  const asked: AskedQuestion[] = [];
  const unaskable: { name: string; secret: boolean }[] = [];
  for (const { question: name, message } of refused) {
    const question = questions.find((candidate) => candidate.name === name);
    if (!question || question.secret) unaskable.push({ name, secret: Boolean(question?.secret) });
    else asked.push(askedQuestion(question, { given: spec.answers?.[name], message }));
  }
  return unaskable.length ? { unaskable } : asked;
}

const AGAIN = "Describe what the service needs again, or choose another template.";

/** Why the run does not ask its user: secret questions, and questions the template does not list. */
function notAsked(unaskable: { name: string; secret: boolean }[]): string {
  const names = (secret: boolean) =>
    unaskable.filter((question) => question.secret === secret).map((question) => question.name);
  const secret = names(true);
  const unknown = names(false);
  return [
    secret.length
      ? ` ${secret.join(", ")}: a secret question is never asked in the chat (its answer would stay in the chat's history).`
      : "",
    unknown.length ? ` ${unknown.join(", ")}: not among the template's questions, so not asked.` : "",
  ].join("");
}

/** Why the run ends: each refused question, the answer it was given, and its validator's message. */
function refusalMessage(
  templateName: string,
  spec: ProjectSpec,
  refused: RefusedAnswer[],
  tries: { fixes: number; asks: number },
) {
  const list = refused
    .map(({ question, message }) => {
      const given = spec.answers?.[question];
      return `${question} (${given === undefined ? "its default" : JSON.stringify(given)}): ${message}`;
    })
    .join("; ");
  const after = [
    tries.fixes ? `the Architect corrected them ${tries.fixes} time(s)` : "",
    tries.asks ? `you answered them ${tries.asks} time(s)` : "",
  ].filter(Boolean);
  return `The template ${templateName} refused the answers to its questions${after.length ? ` after ${after.join(" and ")}` : ""}: ${list}.`;
}

/** One correction by the Architect, as a model step whose value is the corrected spec. */
function fixStep(
  pipeline: Pipeline,
  n: number,
  spec: ProjectSpec,
  template: ScaffoldTemplate,
  refused: RefusedAnswer[],
): Promise<{ spec: ProjectSpec; error: null } | { spec: null; error: string }> {
  const { env, projectId } = pipeline;
  const questions = template.questions ?? [];
  return modelStep<ArchitectResult, { spec: ProjectSpec; error: null } | { spec: null; error: string }>(
    pipeline,
    `fix answers ${n}`,
    {
      source: "architect",
      call: () => fixAnswers(env, { spec, questions, refused }),
      writes: (db, fixed) => [specUpdate(db, projectId, fixed.spec)],
      end: (fixed) => ({
        detail: {
          refused: refused.map((item) => item.question),
          answers: Object.fromEntries(
            refused.map((item) => [item.question, fixed.spec.answers?.[item.question]]),
          ),
        },
        value: { spec: fixed.spec, error: null },
      }),
      ifFailed: (error) => ({ spec: null, error }),
    },
  );
}
