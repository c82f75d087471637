/**
 * Preparer: the project's repository, scaffolded from its template and pushed as the first commit.
 * Repositories live under `REPO_BASE_URL` (`<base>/<slug>.git`); a `file://` base is a directory
 * of bare repositories on the executor host, created when missing (local runs and tests).
 */
import type { CopierSpec } from "@codegen-orchestrator/shared";
import type { Env } from "../env.ts";
import { TEMPLATE_MODULES } from "./architect.ts";

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

export function repositoryUrl(env: Env, slug: string): string | null {
  const base = env.REPO_BASE_URL?.trim().replace(/\/+$/, "");
  return base ? `${base}/${slug}.git` : null;
}

/** Who the pipelines' commits are by. */
export const commitAuthor = (env: Env) => ({
  name: env.GIT_AUTHOR_NAME?.trim() || "Codegen Orchestrator",
  email: env.GIT_AUTHOR_EMAIL?.trim() || "orchestrator@localhost",
});

export function scaffoldSpec(env: Env, project: PreparedProject, url: string): CopierSpec {
  return {
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
    },
  };
}
