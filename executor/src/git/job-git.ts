/**
 * Git for a job's checkout, shared by the kinds that clone one (`git`, `test`): the checkout's
 * directory in the workdir, and the job's Git with the password its credentials name.
 */
import type { GitCredentials } from "@codegen-orchestrator/shared";
import type { RunContext } from "../jobs/runner.ts";
import { Git, type GitPassword } from "./git.ts";

/** The checkout's directory name inside the workdir. */
export const CHECKOUT_DIR = "repo";

/**
 * Git for a job, in its workdir, with the password its credentials name (from the job's secrets):
 * or why there is none.
 */
export function jobGit(
  credentials: GitCredentials | undefined,
  context: RunContext,
): { git: Git; error: null } | { git: null; error: string } {
  let password: GitPassword | undefined;
  if (credentials) {
    const value = context.secrets[credentials.passwordSecret];
    if (!value)
      return {
        git: null,
        error: `credentials.passwordSecret names the secret ${credentials.passwordSecret}, which this job was not given (or is empty)`,
      };
    password = { username: credentials.username, password: value };
  }
  const git = new Git({
    cwd: context.workdir,
    credentials: password,
    signal: context.signal,
    deadlineAt: context.deadlineAt,
    log: context.log,
    pidFile: `${context.workdir}.pid`,
  });
  return { git, error: null };
}
