/**
 * What the modes of a `copier` job share: the template source as the engine takes it (credentials
 * from the job's secrets, by name; relative paths under the templates directory), the engine's
 * cache and the environment of a template's tasks, and how a failure becomes the job's outcome: a
 * scaffold error as its structured output, a stop as the stop.
 */
import path from "node:path";
import type { GitCredentials, ScaffoldFailure, TemplateSource } from "@codegen-orchestrator/shared";
import { JobFailure } from "../../containers/job-failure.ts";
import { GitError, type GitPassword } from "../../git/git.ts";
import type { RunContext, RunOutcome } from "../../jobs/runner.ts";
import { defaultPath } from "../../process/run-process.ts";
import { ScaffoldError } from "../../scaffold/errors.ts";
import type { ScaffoldSource } from "../../scaffold/run.ts";

/** Where the engine caches templates and compiled Jinja, under the executor's cache. */
export const copierCacheDir = (context: RunContext) => path.join(context.cacheDir, "copier");

/** The whole environment of a template's tasks and migrations (and of the copier CLI). */
export const taskEnvironment = (context: RunContext) => ({
  PATH: defaultPath(),
  HOME: context.workdir,
  LANG: "C.UTF-8",
});

export function password(
  credentials: GitCredentials | undefined,
  context: RunContext,
): GitPassword | undefined {
  if (!credentials) return undefined;
  const secret = context.secrets[credentials.passwordSecret];
  if (secret === undefined)
    throw new ScaffoldError("invalid_template", `the job has no secret named ${credentials.passwordSecret}`);
  return { username: credentials.username, password: secret };
}

export function scaffoldSource(template: TemplateSource, context: RunContext): ScaffoldSource {
  // Errors name the template as the job did, not this host's directory layout.
  if ("path" in template)
    return { path: path.resolve(context.templatesDir, template.path), name: template.path };
  return {
    url: template.url,
    ref: template.ref,
    version: template.version,
    prereleases: template.prereleases,
    credentials: password(template.credentials, context),
  };
}

/** The outcome of a job that threw: cancelled, timed out, or failed saying why. */
export function failedOutcome(error: unknown, context: RunContext): RunOutcome {
  if (context.signal.aborted) return { status: "cancelled", output: undefined };
  if (Date.now() >= context.deadlineAt) return { status: "timed_out", output: undefined };
  if (error instanceof ScaffoldError) {
    context.log("system", `${error.code}: ${error.message}\n`);
    const output: ScaffoldFailure = { error: error.toJSON() };
    return { status: "failed", output, error: `${error.code}: ${error.message}` };
  }
  if (error instanceof GitError) {
    if (error.stoppedBy) return { status: error.stoppedBy, output: undefined };
    return { status: "failed", output: undefined, error: `git: ${error.message}` };
  }
  if (error instanceof JobFailure) return { status: "failed", output: undefined, error: error.message };
  throw error;
}
