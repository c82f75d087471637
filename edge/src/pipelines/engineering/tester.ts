/**
 * Tester: a `test` job runs the project's own tests on the commit the Developer pushed: the
 * command its manifest (`orchestrator.json`) declares, else the one the conventions its files
 * follow give (a Makefile's `test` target, package.json's test script, pytest, unittest), decided
 * by the job on that very commit, the template catalog's manifest (which the job carries) coming
 * before the conventions for a repository without its own; the timeline shows which, and where it
 * came from. Failing tests are the job's result, not its
 * failure: what failed, and the end of the output, go back to the Developer.
 */
import type { CatalogManifest, TestResult, TestSpec } from "@codegen-orchestrator/shared";
import type { Env } from "../../env.ts";
import type { JobSecretRef } from "../../executors/job-secrets.ts";
import { pipelineSettings } from "../../settings/pipelines.ts";
import { repoAccess } from "../steps/repository.ts";
import { type TestFeedback, workspaceOf } from "./develop.ts";
import { testerSettingsError } from "./project-code.ts";

/**
 * The Tester's job for a commit. With TESTER_IMAGE set, the project's code (its setup step and its
 * tests) runs in a container of that image on a Docker-capable executor; on the executor host only
 * with RUN_PROJECT_CODE_ON_HOST (see project-code.ts). Throws, saying what to set, otherwise.
 */
export function testJob(
  env: Env,
  input: {
    projectId: string;
    repoUrl: string;
    resourceName: string;
    commit: string;
    /** The template catalog's manifest, for a repository without one. */
    manifest?: CatalogManifest | null;
  },
): { spec: TestSpec; secrets: Record<string, JobSecretRef> } {
  const refused = testerSettingsError(env);
  if (refused) throw new Error(refused);
  const access = repoAccess(env, { url: input.repoUrl, resourceName: input.resourceName });
  const settings = pipelineSettings.read(env);
  const image = settings.TESTER_IMAGE;
  const spec: TestSpec = {
    checkout: { url: input.repoUrl, ref: input.commit, credentials: access.credentials },
    env: {},
    outputLimit: 8192,
    ...(input.manifest ? { manifest: input.manifest } : {}),
    ...(image
      ? {
          container: {
            image,
            cpus: 2,
            memoryMb: 2048,
            network: settings.TESTER_NETWORK,
            project: workspaceOf(input.projectId),
            dockerInside: settings.TESTER_DOCKER_INSIDE,
            allowPrivilegedDocker: settings.TESTER_PRIVILEGED_DOCKER,
          },
        }
      : {}),
  };
  return { spec, secrets: access.secrets };
}

export const feedbackOf = (iteration: number, result: TestResult): TestFeedback => ({
  iteration,
  failures: result.failures,
  output: result.output,
});

/** The timeline's line of a test run. */
export function summarizeTest(result: TestResult) {
  return {
    detail: {
      commit: result.commit,
      passed: result.passed,
      command: result.command,
      ...(result.commandFrom ? { from: result.commandFrom } : {}),
      ...(result.counts ? { counts: result.counts } : {}),
      ...(result.failures.length ? { failures: result.failures.slice(0, 10) } : {}),
    },
  };
}

/** One line for the chat: "3/4 tests passed; failing: …". */
export function testLine(result: TestResult): string {
  const counts = result.counts ? `${result.counts.passed}/${result.counts.total} tests passed` : "";
  if (result.passed) return counts || "the tests passed";
  const failing = result.failures.length ? `failing: ${result.failures.slice(0, 3).join(", ")}` : "";
  return [counts || `the tests failed (exit ${result.exitCode ?? result.signal})`, failing]
    .filter(Boolean)
    .join("; ");
}
