/**
 * The `copier` engine: Python Copier's own CLI, when the host has it. Answers go in a 0600 data
 * file, never on argv (an answer may be a secret). For a job, the CLI runs as the job's user (who
 * is given the data file), and what it wrote is read without following symlinks.
 */
import { constants } from "node:fs";
import { lstat, mkdtemp, open, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { giveTree } from "../process/job-files.ts";
import { failureOf, runProcess } from "../process/run-process.ts";
import { ScaffoldError } from "./errors.ts";
import { pyYamlDump } from "./jinja/yaml-dump.ts";
import type { CopyOptions } from "./options.ts";
import { parsePyYaml } from "./pyyaml.ts";
import type { ScaffoldReport } from "./scaffold.ts";

export interface CopierCliOptions extends CopyOptions {
  /** A directory or a git URL, as `copier copy` takes it. */
  source: string;
  vcsRef?: string;
  env: Record<string, string>;
}

/** The `copier` command's version, or null when it is not on PATH. */
export async function copierVersion(env: Record<string, string>): Promise<string | null> {
  const outcome = await runProcess("copier", ["--version"], { cwd: tmpdir(), env, captureBytes: 1024 });
  if (outcome.spawnError || outcome.exitCode !== 0) return null;
  return outcome.stdout.trim() || outcome.stderr.trim();
}

export async function runCopierCli(options: CopierCliOptions): Promise<ScaffoldReport> {
  if ((await copierVersion(options.env)) === null) {
    throw new ScaffoldError(
      "engine_unavailable",
      "the copier engine needs `copier` on PATH (pipx install copier), or use the builtin engine",
    );
  }
  const scratch = await mkdtemp(path.join(tmpdir(), "co-copier-"));
  try {
    const dataFile = path.join(scratch, "data.yml");
    await writeFile(dataFile, pyYamlDump(options.data, { indent: 2, flowLeaves: false }), { mode: 0o600 });
    const { user } = options;
    if (user) await giveTree(scratch, user);
    const args = [
      "copy",
      "--data-file",
      dataFile,
      ...(options.defaults ? ["--defaults"] : []),
      ...(options.trust ? ["--trust"] : []),
      ...(options.overwrite ? ["--overwrite"] : []),
      ...(options.skipTasks ? ["--skip-tasks"] : []),
      ...(options.vcsRef ? ["--vcs-ref", options.vcsRef] : []),
      "--",
      options.source,
      options.destination,
    ];
    options.log("system", `copier ${args.join(" ")}\n`);
    const outcome = await runProcess("copier", args, {
      cwd: scratch,
      env: options.env,
      signal: options.signal,
      deadlineAt: options.deadlineAt,
      log: options.log,
      captureBytes: 16_384,
      user,
    });
    if (user && !(await user.stopProcesses()))
      throw new ScaffoldError("task_failed", "processes copier started would not stop");
    const failure = failureOf("copier", outcome);
    if (failure) {
      const code = outcome.exitCode === 4 ? "unsafe_template" : "template_error";
      const last = outcome.stderr.trim().split("\n").at(-1) ?? "";
      throw new ScaffoldError(code, `${failure}${last ? `: ${last}` : ""}`);
    }
    if ((await lstat(options.destination).catch(() => null))?.isSymbolicLink())
      throw new ScaffoldError("destination_error", "the destination was replaced by a symlink");
    const files = await listFiles(options.destination);
    const answersText = await readNoFollow(path.join(options.destination, ".copier-answers.yml"));
    const answers = (answersText ? parsePyYaml(answersText) : {}) as Record<string, unknown>;
    return { files, answers, messages: [] };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** A file's text, "" when it is missing or a symlink (which could lead anywhere on the host). */
async function readNoFollow(file: string): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    () => null,
  );
  if (handle === null) return "";
  try {
    return (await handle.stat()).isFile() ? await handle.readFile("utf8") : "";
  } finally {
    await handle.close();
  }
}

/** Every file under `root`, relative, sorted (symlinks listed, not followed). */
export async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}
