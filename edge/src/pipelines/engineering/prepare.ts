/**
 * Preparer: the project's repository (see ../steps/repository.ts), scaffolded from its template
 * (domain/project-templates.ts: the project's catalog entry, else the Architect's choice, else the
 * default) with the Architect's answers, and pushed as the first commit.
 */
import type { CopierSpec, TemplateAnswer, TemplateQuestion } from "@codegen-orchestrator/shared";
import type { ScaffoldTemplate } from "../../domain/project-templates.ts";
import type { Env } from "../../env.ts";
import type { JobSecretRef } from "../../executors/job-secrets.ts";
import { repositorySettings } from "../../settings/repositories.ts";
import { type ProjectRepository, repoAccess } from "../steps/repository.ts";
import { answersFromSpec } from "./template-questions.ts";

export interface PreparedProject {
  slug: string;
  description: string;
  modules: string[];
  /** The Architect's answers to the template's questions (a spec written before it answered them has none). */
  answers?: Record<string, TemplateAnswer> | undefined;
}

/** Who the pipelines' commits are by. */
export function commitAuthor(env: Env) {
  const { GIT_AUTHOR_NAME, GIT_AUTHOR_EMAIL } = repositorySettings.read(env);
  return { name: GIT_AUTHOR_NAME, email: GIT_AUTHOR_EMAIL };
}

/**
 * The answers the job passes, for the questions the template asks (never a secret one: those keep
 * their defaults): the Architect's, as the spec records them. A spec written before the Architect
 * answered templates' questions gives the project's name and description, and its modules among
 * the template's choices; the rest take their defaults.
 */
export function scaffoldData(project: PreparedProject, template: ScaffoldTemplate): Record<string, unknown> {
  const { questions } = template;
  const data: Record<string, unknown> = project.answers ?? {
    ...answersFromSpec(questions ?? LEGACY_QUESTIONS, project),
    modules: project.modules.filter((module) => moduleChoices(questions)?.includes(module) ?? true),
  };
  if (!questions) return data;
  const asked = new Set(questions.filter((question) => !question.secret).map((question) => question.name));
  return Object.fromEntries(Object.entries(data).filter(([name]) => asked.has(name)));
}

/** What a template not inspected yet was assumed to ask, before templates were inspected. */
const LEGACY_QUESTIONS: TemplateQuestion[] = ["project_name", "description"].map((name) => ({
  name,
  type: "str",
  multiselect: false,
  secret: false,
}));

/** The values of the template's `modules` choices; null when its questions are not known. */
function moduleChoices(questions: TemplateQuestion[] | null): unknown[] | null {
  if (!questions) return null;
  const choices = questions.find((question) => question.name === "modules")?.choices;
  return Array.isArray(choices) ? choices.map((choice) => choice.value) : [];
}

export function scaffoldJob(
  env: Env,
  project: PreparedProject,
  template: ScaffoldTemplate,
  repo: ProjectRepository,
): { spec: CopierSpec; secrets: Record<string, JobSecretRef> } {
  const { url } = repo;
  const access = repoAccess(env, repo);
  const at = template.version ? ` ${template.version}` : "";
  const spec: CopierSpec = {
    template: template.source,
    data: scaffoldData(project, template),
    defaults: true,
    trust: false,
    engine: "builtin",
    // Every project records its template, commit and answers (upgrades read them).
    recordAnswers: true,
    publish: {
      url,
      branch: "main",
      message: `Scaffold ${project.slug} from ${template.name}${at}`,
      author: commitAuthor(env),
      create: url.startsWith("file://"),
      credentials: access.credentials,
    },
  };
  return { spec, secrets: access.secrets };
}
