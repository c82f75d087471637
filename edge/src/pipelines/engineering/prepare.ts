/**
 * Preparer: the project's repository (see ../steps/repository.ts), scaffolded from its template and pushed
 * as the first commit.
 */
import type { CopierSpec } from "@codegen-orchestrator/shared";
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

/** The default template's own module choices; others a project may name are not passed to it. */
const templateModules = new Set<string>(TEMPLATE_MODULES);
const DEFAULT_TEMPLATE = "node-service";

/** Who the pipelines' commits are by. */
export function commitAuthor(env: Env) {
  const { GIT_AUTHOR_NAME, GIT_AUTHOR_EMAIL } = repositorySettings.read(env);
  return { name: GIT_AUTHOR_NAME, email: GIT_AUTHOR_EMAIL };
}

export function scaffoldJob(
  env: Env,
  project: PreparedProject,
  repo: ProjectRepository,
): { spec: CopierSpec; secrets: Record<string, JobSecretRef> } {
  const { url } = repo;
  const access = repoAccess(env, repo);
  const spec: CopierSpec = {
    template: { path: DEFAULT_TEMPLATE },
    data: {
      project_name: baseName(project.slug),
      description: project.description.split("\n")[0]?.slice(0, 200) || project.slug,
      modules: project.modules.filter((module) => templateModules.has(module)),
    },
    defaults: true,
    trust: false,
    engine: "builtin",
    publish: {
      url,
      branch: "main",
      message: `Scaffold ${project.slug} from ${DEFAULT_TEMPLATE}`,
      author: commitAuthor(env),
      create: url.startsWith("file://"),
      credentials: access.credentials,
    },
  };
  return { spec, secrets: access.secrets };
}
