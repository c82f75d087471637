/**
 * `git` jobs: the spec's steps, in order, on one checkout at `<workdir>/repo` (made by a clone or
 * init step). The first failing step ends the job; the result lists the steps that completed and
 * where HEAD is at the end. A password comes from the job's secrets and reaches git only through
 * the askpass of the Git module. A read step reads files of the working tree itself (read-step.ts);
 * a profile step reads what the project says about itself (its manifest, else the template
 * catalog's the step carries), else the conventions it follows (project/profile.ts), under the
 * same budget on the result's size.
 * The checkout and its Git are shared with the `test` kind (git/job-git.ts).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { GIT_PROFILE_BYTES, type GitResult, type GitSpec, type GitStep } from "@codegen-orchestrator/shared";
import { type Git, GitError } from "../../git/git.ts";
import { CHECKOUT_DIR, jobGit } from "../../git/job-git.ts";
import type { Runner, RunOutcome } from "../../jobs/runner.ts";
import { profileOfCheckout } from "../../project/checkout-view.ts";
import { READ_RESULT_BYTES, type ReadBudget, readCheckoutFiles } from "./read-step.ts";

export const runGit: Runner<GitSpec> = async (spec, context) => {
  const steps: GitResult["steps"] = [];
  const opened = jobGit(spec.credentials, context);
  if (!opened.git)
    return {
      status: "failed",
      output: { steps, head: null, branch: null } satisfies GitResult,
      error: opened.error,
    };
  const workdir = opened.git;
  const repoDir = path.join(context.workdir, CHECKOUT_DIR);
  const repo = workdir.at(repoDir);
  const reads: ReadBudget = { used: 0 };
  const logLine = (line: string) => context.log("system", line);

  for (const [index, step] of spec.steps.entries()) {
    const started = performance.now();
    try {
      if (step.op !== "clone" && step.op !== "init" && !existsSync(repoDir))
        throw new Error("there is no checkout yet: start with a clone or init step");
      if (step.op === "read") {
        const files = await readCheckoutFiles(repoDir, step, reads, logLine);
        steps.push({ op: step.op, durationMs: Math.round(performance.now() - started), commit: null, files });
        continue;
      }
      if (step.op === "profile") {
        const profile = await profileStep(repoDir, step, reads, logLine);
        steps.push({
          op: step.op,
          durationMs: Math.round(performance.now() - started),
          commit: null,
          profile,
        });
        continue;
      }
      const commit = await runStep(step, workdir, repo);
      steps.push({ op: step.op, durationMs: Math.round(performance.now() - started), commit });
    } catch (err) {
      return stepFailed(index, step, err, steps, repoDir, repo);
    }
  }
  return { status: "succeeded", output: await result(steps, repoDir, repo) };
};

/**
 * The checkout's profile (with the template catalog's manifest the step may carry), within the
 * result's budget (a manifest's commands can be long).
 */
async function profileStep(
  repoDir: string,
  step: Extract<GitStep, { op: "profile" }>,
  reads: ReadBudget,
  log: (line: string) => void,
) {
  const profile = await profileOfCheckout(repoDir, step.manifest);
  const bytes = Buffer.byteLength(JSON.stringify(profile));
  if (bytes > GIT_PROFILE_BYTES)
    throw new Error(
      `the project's profile takes ${bytes} bytes, over the limit of ${GIT_PROFILE_BYTES}: its manifest's commands are too long`,
    );
  reads.used += bytes;
  if (reads.used > READ_RESULT_BYTES)
    throw new Error(
      `the profile takes the files read by this job over ${READ_RESULT_BYTES} bytes of result (as JSON)`,
    );
  const decided = (what: string, value: { from: string } | null) =>
    `${what}: ${value ? value.from : "none found"}`;
  log(
    `profile: ${[decided("tests", profile.test), decided("start", profile.start), `health path ${profile.healthPath.path}`].join("; ")}\n`,
  );
  return profile;
}

async function runStep(
  step: Exclude<GitStep, { op: "read" | "profile" }>,
  workdir: Git,
  repo: Git,
): Promise<string | null> {
  switch (step.op) {
    case "clone":
      return workdir.clone(step.url, CHECKOUT_DIR, { ref: step.ref, depth: step.depth });
    case "init":
      await workdir.init(CHECKOUT_DIR, { branch: step.branch, remote: step.remote });
      return null;
    case "checkout":
      return repo.checkout(step.ref, { create: step.create });
    case "commit":
      return repo.commitAll({ message: step.message, author: step.author, allowEmpty: step.allowEmpty });
    case "push":
      return repo.push({ remote: step.remote, branch: step.branch, force: step.force });
    case "merge":
      return repo.merge({
        ref: step.ref,
        message: step.message,
        author: step.author,
        fastForwardOnly: step.fastForwardOnly,
      });
  }
}

async function stepFailed(
  index: number,
  step: GitStep,
  err: unknown,
  steps: GitResult["steps"],
  repoDir: string,
  repo: Git,
): Promise<RunOutcome> {
  const stoppedBy = err instanceof GitError ? err.stoppedBy : null;
  // A Git error is masked already; anything else never saw the password.
  const message = err instanceof Error ? err.message : String(err);
  return {
    status: stoppedBy ?? "failed",
    // Once stopped, no more git runs: the summary stays empty.
    output: stoppedBy ? { steps, head: null, branch: null } : await result(steps, repoDir, repo),
    error: `steps[${index}] (${step.op}) ${stoppedBy ? "was stopped" : "failed"}: ${message}`,
  };
}

async function result(steps: GitResult["steps"], repoDir: string, repo: Git): Promise<GitResult> {
  if (!existsSync(path.join(repoDir, ".git"))) return { steps, head: null, branch: null };
  // One after the other, so that their lines in the log do not interleave.
  const head = await repo.head().catch(() => null);
  const branch = await repo.currentBranch().catch(() => null);
  return { steps, head, branch };
}
