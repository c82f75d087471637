/**
 * Preparer: the project's repository (see ../steps/repository.ts), scaffolded from its template
 * (domain/project-templates.ts: the project's catalog entry, else the default) and pushed as the
 * first commit.
 */
import type { CopierSpec } from "@codegen-orchestrator/shared";
import type { ScaffoldTemplate } from "../../domain/project-templates.ts";
import { baseName } from "../../domain/resource-names.ts";
import type { Env } from "../../env.ts";
import type { JobSecretRef } from "../../executors/job-secrets.ts";
import { repositorySettings } from "../../settings/repositories.ts";
import { type ProjectRepository, repoAccess } from "../steps/repository.ts";
import { TEMPLATE_MODULES } from "./architect.ts";

export interface PreparedProject {
  slug: string;
  description: string;
  modules: string[];
}

/** Who the pipelines' commits are by. */
export function commitAuthor(env: Env) {
  const { GIT_AUTHOR_NAME, GIT_AUTHOR_EMAIL } = repositorySettings.read(env);
  return { name: GIT_AUTHOR_NAME, email: GIT_AUTHOR_EMAIL };
}

/**
 * The answers the spec gives, for the questions the template asks: `project_name`, `description`
 * and `modules` (those among the question's choices). A template not inspected yet (the default,
 * on its first use) gets all three, its modules limited to the default template's own choices,
 * which are what the Architect picks from.
 */
export function scaffoldData(project: PreparedProject, template: ScaffoldTemplate): Record<string, unknown> {
  const questions = new Map(
    (
      template.questions ?? [
        { name: "project_name", choices: null },
        { name: "description", choices: null },
        { name: "modules", choices: [...TEMPLATE_MODULES] },
      ]
    ).map((question) => [question.name, question]),
  );
  const offered = questions.get("modules")?.choices;
  const candidates: Record<string, unknown> = {
    project_name: baseName(project.slug),
    description: project.description.split("\n")[0]?.slice(0, 200) || project.slug,
    modules: offered ? project.modules.filter((module) => offered.includes(module)) : project.modules,
  };
  return Object.fromEntries(Object.entries(candidates).filter(([name]) => questions.has(name)));
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
