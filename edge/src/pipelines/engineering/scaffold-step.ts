/**
 * The scaffold as workflow steps: a `copier` job renders the template with the spec's answers and
 * pushes the first commit ("prepare"). When the template's validators refuse answers the model gave
 * (the job fails `invalid_answers`, each question with its validator's message), the Architect is
 * shown the messages and corrects them ("fix answers <n>", its value the corrected spec, stored on
 * the project), and the scaffold runs again ("prepare <n+1>"), at most `ANSWER_FIXES` times. Then,
 * or when the refused answer is not one the model gives, the run fails naming each question and
 * its validator's message: a run cannot ask its user a free question in the chat yet.
 */
import { type ProjectSpec, ScaffoldFailure } from "@codegen-orchestrator/shared";
import { specUpdate } from "../../domain/pipeline-projects.ts";
import type { ScaffoldTemplate } from "../../domain/project-templates.ts";
import { jobStep } from "../steps/job-step.ts";
import { modelStep } from "../steps/model-step.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import type { ProjectRepository } from "../steps/repository.ts";
import { type ArchitectResult, fixAnswers, type RefusedAnswer } from "./architect.ts";
import { scaffoldJob } from "./prepare.ts";
import { askableQuestions } from "./template-questions.ts";

/** How many times the Architect may correct answers the template's validators refused. */
export const ANSWER_FIXES = 2;

type Scaffolded = { commit: string; spec: ProjectSpec } | { error: string };

export async function scaffoldStep(
  pipeline: Pipeline,
  project: { slug: string },
  spec: ProjectSpec,
  template: ScaffoldTemplate,
  repo: ProjectRepository,
): Promise<Scaffolded> {
  let current = spec;
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
    const fixes = attempt - 1;
    if (fixes >= ANSWER_FIXES || !modelCanFix(template, refused))
      return { error: refusalMessage(template.name, current, refused, fixes) };
    const fixed = await fixStep(pipeline, attempt, current, template, refused);
    if (!fixed.spec)
      return { error: `The Architect could not correct the template's answers: ${fixed.error}` };
    current = fixed.spec;
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

/** Why the run ends: each refused question, the answer it was given, and its validator's message. */
function refusalMessage(templateName: string, spec: ProjectSpec, refused: RefusedAnswer[], fixes: number) {
  const list = refused
    .map(({ question, message }) => {
      const given = spec.answers?.[question];
      return `${question} (${given === undefined ? "its default" : JSON.stringify(given)}): ${message}`;
    })
    .join("; ");
  const after = fixes ? ` after the Architect corrected them ${fixes} time(s)` : "";
  return `The template ${templateName} refused the answers to its questions${after}: ${list}. A run cannot ask you these in the chat yet: describe what the service needs again, or choose another template.`;
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
