/**
 * One git command, run the executor's way: its own process group (cancel and deadlines kill it),
 * a clean environment with a private throwaway HOME (sandbox.ts), no credential helper, no hooks.
 * Everything it logs or reports has the password masked.
 */

import { maskSecret } from "../process/mask.ts";
import { defaultPath, runProcess } from "../process/run-process.ts";
import { type GitPassword, openSandbox } from "./sandbox.ts";

export type GitLog = (stream: "stdout" | "stderr" | "system", chunk: string) => void;

export interface GitOptions {
  /** Where commands run; for clone and init, the parent of the new checkout. */
  cwd: string;
  credentials?: GitPassword;
  signal?: AbortSignal;
  /** Epoch ms: a command still running then is stopped. */
  deadlineAt?: number;
  log?: GitLog;
  /** Where each git process writes its group id, so a restarted daemon can kill leftovers. */
  pidFile?: string;
  /** Where the per-command private directories go; the system temp dir by default. */
  scratchDir?: string;
  /**
   * The repository's git directory, when it is kept apart from its work tree (`cwd`): git then
   * reads no config, hooks or objects from the work tree, which a job may have written.
   */
  gitDir?: string;
}

export interface GitRunOptions {
  stdin?: string;
  /** Extra environment for this command (e.g. author identity). */
  env?: Record<string, string>;
  /** Exit codes that are an answer rather than a failure (e.g. 1 for `diff --quiet`). */
  okExitCodes?: readonly number[];
}

export interface GitOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

type StoppedBy = "cancelled" | "timed_out";

/** A git command that failed, was cancelled or passed its deadline; all text in it is masked. */
export class GitError extends Error {
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stoppedBy: StoppedBy | null;
  readonly stderr: string;

  constructor(
    message: string,
    details: {
      args: readonly string[];
      exitCode?: number | null;
      stoppedBy?: StoppedBy | null;
      stderr?: string;
    },
  ) {
    super(message);
    this.name = "GitError";
    this.args = details.args;
    this.exitCode = details.exitCode ?? null;
    this.stoppedBy = details.stoppedBy ?? null;
    this.stderr = details.stderr ?? "";
  }
}

/** Settings for every command: no credential helper, no hooks, no `ext::` remotes, no detached-HEAD essay. */
const BASE_CONFIG = [
  ["credential.helper", ""],
  ["core.hooksPath", "/dev/null"],
  ["protocol.ext.allow", "never"],
  ["advice.detachedHead", "false"],
].flatMap(([name, value]) => ["-c", `${name}=${value}`]);
const CAPTURE_BYTES = 4 * 1024 * 1024;

/** Runs `git <args>`; throws a GitError unless it exits 0 (or with one of `okExitCodes`). */
export async function runGitCommand(
  args: readonly string[],
  git: GitOptions,
  options: GitRunOptions = {},
): Promise<GitOutput> {
  const mask = (text: string) => maskSecret(text, git.credentials?.password);
  const maskedArgs = args.map(mask);
  const command = `git ${maskedArgs[0] ?? ""}`.trim();
  const fail = (why: string, details: Omit<ConstructorParameters<typeof GitError>[1], "args"> = {}) =>
    new GitError(`\`${command}\` ${why}`, { args: maskedArgs, ...details });

  const stopped = stoppedBefore(git);
  if (stopped) throw fail(describeStop(stopped), { stoppedBy: stopped });
  const log = git.log ?? (() => {});
  const maskedLog: GitLog = (stream, chunk) => log(stream, mask(chunk));
  maskedLog("system", `$ git ${maskedArgs.join(" ")}\n`);
  const sandbox = await openSandbox(git.credentials, git.scratchDir);
  try {
    const location = git.gitDir === undefined ? [] : [`--git-dir=${git.gitDir}`, `--work-tree=${git.cwd}`];
    const outcome = await runProcess("git", [...BASE_CONFIG, ...location, ...args], {
      cwd: git.cwd,
      env: { PATH: defaultPath(), LANG: "C.UTF-8", ...options.env, ...sandbox.env },
      stdin: options.stdin,
      signal: git.signal,
      deadlineAt: git.deadlineAt,
      log: maskedLog,
      pidFile: git.pidFile,
      captureBytes: CAPTURE_BYTES,
    });
    const stderr = mask(outcome.stderr);
    if (outcome.spawnError) throw fail(`could not start: ${mask(outcome.spawnError.message)}`, { stderr });
    if (outcome.stoppedBy)
      throw fail(describeStop(outcome.stoppedBy), { stoppedBy: outcome.stoppedBy, stderr });
    const exitCode = outcome.exitCode;
    if (exitCode === 0 || (exitCode !== null && options.okExitCodes?.includes(exitCode)))
      return { exitCode, stdout: mask(outcome.stdout), stderr };
    const why = summarise(stderr);
    throw fail(`exited with ${exitCode ?? outcome.signal}${why ? `: ${why}` : ""}`, { exitCode, stderr });
  } finally {
    await sandbox.dispose();
  }
}

function stoppedBefore(git: GitOptions): StoppedBy | null {
  if (git.signal?.aborted) return "cancelled";
  if (git.deadlineAt !== undefined && Date.now() >= git.deadlineAt) return "timed_out";
  return null;
}

const describeStop = (stoppedBy: StoppedBy) =>
  stoppedBy === "cancelled" ? "was cancelled" : "passed its deadline";

/** git's complaint in a line or a few: its fatal/error/remote/rejected lines if any, no hints, bounded. */
function summarise(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("hint:"));
  const complaints = lines.filter((line) => /^(fatal|error|remote):|^! /.test(line));
  const text = (complaints.length > 0 ? complaints : lines).slice(-8).join("; ");
  return text.length > 2000 ? `…${text.slice(-2000)}` : text;
}
