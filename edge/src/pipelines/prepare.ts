/**
 * Preparer: the project's repository (see repository.ts), scaffolded from its template and pushed
 * as the first commit.
 */
import type { CopierSpec } from "@codegen-orchestrator/shared";
import type { Env } from "../env.ts";
import type { JobSecretRef } from "../executors/job-secrets.ts";
import { TEMPLATE_MODULES } from "./architect.ts";
import { repoAccess } from "./repository.ts";

export interface PreparedProject {
  slug: string;
  description: string;
  modules: string[];
}

/** The default template's own module choices; others a project may name are not passed to it. */
const templateModules = new Set<string>(TEMPLATE_MODULES);
const DEFAULT_TEMPLATE = "node-service";

/** The template's `project_name` rule: a letter first. */
export const projectName = (slug: string) =>
  /^[a-z][a-z0-9-]{1,62}$/.test(slug) ? slug : `svc-${slug}`.slice(0, 63);

/** Who the pipelines' commits are by. */
export const commitAuthor = (env: Env) => ({
  name: env.GIT_AUTHOR_NAME?.trim() || "Codegen Orchestrator",
  email: env.GIT_AUTHOR_EMAIL?.trim() || "orchestrator@localhost",
});

export function scaffoldJob(
  env: Env,
  project: PreparedProject,
  url: string,
): { spec: CopierSpec; secrets: Record<string, JobSecretRef> } {
  const access = repoAccess(env, url);
  const spec: CopierSpec = {
    template: { path: DEFAULT_TEMPLATE },
    data: {
      project_name: projectName(project.slug),
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
