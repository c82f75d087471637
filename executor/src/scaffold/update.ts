/**
 * `copier update` for a project the engine (or Copier) rendered: the template at the commit the
 * answers file records and at the new ref (the latest release unless named) are both rendered with
 * the recorded answers, and the template's changes between them are applied to the project as a
 * three-way merge of each file (base: the old render, ours: the project, theirs: the new render),
 * conflicts as inline markers (Copier's labels) or as `.rej` files beside the project's version.
 * The answers file is the new render's. A project with uncommitted changes is refused, as Copier
 * refuses it: the update must be reviewable as one diff.
 */
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Git } from "../git/git.ts";
import { ScaffoldError } from "./errors.ts";
import { mapInOrder } from "./in-order.ts";
import type { CopyOptions } from "./options.ts";
import { parsePyYaml } from "./pyyaml.ts";
import { scaffold } from "./scaffold.ts";
import { type CheckedOut, checkOutTemplate } from "./update-source.ts";
import { openUpdateStages, type UpdateStages } from "./update-stages.ts";

export interface UpdateOptions extends Omit<CopyOptions, "destination" | "overwrite" | "recordAnswers"> {
  /** The environment of migrations and tasks. */
  taskEnv: Record<string, string>;
  /** The project: a git work tree without uncommitted changes. */
  project: string;
  /**
   * Git on the project with its git directory named (a job's: outside the tree its migrations and
   * tasks can write); default: the project's own.
   */
  projectGit?: Git;
  /** Its answers file, relative to the project (default `.copier-answers.yml`). */
  answersFile?: string;
  /** The template version to update to (default: its latest release). */
  vcsRef?: string;
  prereleases?: boolean;
  /** inline: conflict markers in the file; rej: the project's file kept, the template's change in `<file>.rej`. */
  conflict?: "inline" | "rej";
  cacheDir: string;
}

export interface UpdateReport {
  /** What the answers file recorded before and after (`_commit`). */
  from: string | null;
  to: string | null;
  /** Project files changed by the update, by how. */
  merged: string[];
  added: string[];
  removed: string[];
  /** Files with conflict markers (inline) or a `.rej` beside them (rej). */
  conflicts: string[];
  answers: Record<string, unknown>;
  messages: string[];
}

const LABELS = ["before updating", "last update", "after updating"];

export async function updateProject(options: UpdateOptions): Promise<UpdateReport> {
  const project = path.resolve(options.project);
  const git =
    options.projectGit ?? new Git({ cwd: project, signal: options.signal, deadlineAt: options.deadlineAt });
  await refuseDirty(git, project);
  const answersFile = options.answersFile ?? ".copier-answers.yml";
  const recorded = await readAnswers(project, answersFile);
  await mkdir(options.cacheDir, { recursive: true });
  const scratch = await mkdtemp(path.join(options.cacheDir, ".update-"));
  try {
    const template = await checkOutTemplate({
      srcPath: recorded.srcPath,
      from: recorded.commit,
      to: options.vcsRef,
      prereleases: options.prereleases,
      scratch,
      signal: options.signal,
      deadlineAt: options.deadlineAt,
      log: options.log,
    });
    const stages = await openUpdateStages({
      ...options,
      templateRoot: template.new.root,
      project,
      answersFile,
      from: recorded.commit,
      to: template.new.describe,
      ref: template.new.ref,
      skipTasks: options.skipTasks ?? false,
    });
    try {
      return await applyUpdate(options, { project, answersFile, recorded, template, scratch, git, stages });
    } finally {
      stages.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

interface Update {
  project: string;
  answersFile: string;
  recorded: Awaited<ReturnType<typeof readAnswers>>;
  template: { old: CheckedOut; new: CheckedOut };
  scratch: string;
  git: Git;
  stages: UpdateStages;
}

/** Renders both versions, runs the before stage, merges, runs the after stage. */
async function applyUpdate(options: UpdateOptions, update: Update): Promise<UpdateReport> {
  const { project, answersFile, recorded, template, scratch, git, stages } = update;
  const render = (side: CheckedOut, into: string, data: Record<string, unknown>, defaults: boolean) =>
    scaffold({
      ...options,
      templateRoot: side.root,
      srcPath: recorded.srcPath,
      commit: side.describe,
      vcsRef: side.ref,
      destination: path.join(scratch, into),
      // `_external_data` is the project's, as Copier reads it from the project being updated.
      externalDataRoot: project,
      data,
      defaults,
      // Tasks are the project's business once it is merged; the renders only compare.
      skipTasks: true,
      recordAnswers: true,
      renderCacheDir: path.join(options.cacheDir, "jinja2"),
      taskEnv: {},
      log: () => {},
    });
  // The two renders are independent: side by side.
  const [, rendered] = await Promise.all([
    render(template.old, "old", recorded.answers, true),
    render(template.new, "new", { ...recorded.answers, ...options.data }, options.defaults),
  ]);
  await stages.before(rendered.answers);
  const changes = await mergeInto(project, scratch, {
    git,
    answersFile,
    conflict: options.conflict ?? "inline",
  });
  await stages.after();
  return {
    from: recorded.commit,
    to: template.new.describe,
    ...changes,
    answers: rendered.answers,
    messages: stages.messages,
  };
}

async function refuseDirty(git: Git, project: string): Promise<void> {
  const status = await git.run(["status", "--porcelain"]).catch(() => null);
  if (status === null)
    throw new ScaffoldError("destination_error", `${project} is not a git work tree: update needs one`);
  if (status.stdout.trim() !== "") {
    throw new ScaffoldError(
      "destination_error",
      `${project} has uncommitted changes: commit or stash them, then update (the update must be one reviewable diff)`,
    );
  }
}

/** The answers file: where the project came from (`_src_path`, `_commit`) and its answers. */
async function readAnswers(project: string, answersFile: string) {
  const file = path.join(project, answersFile);
  const text = await readFile(file, "utf8").catch(() => null);
  if (text === null)
    throw new ScaffoldError("invalid_answers", `${answersFile} is missing: the project records no template`);
  const parsed = parsePyYaml(text);
  const answers = (parsed !== null && typeof parsed === "object" ? parsed : {}) as Record<string, unknown>;
  const srcPath = answers._src_path;
  if (typeof srcPath !== "string" || srcPath === "")
    throw new ScaffoldError("invalid_answers", `${answersFile} names no template (_src_path)`);
  const commit = typeof answers._commit === "string" ? answers._commit : null;
  const plain = Object.fromEntries(Object.entries(answers).filter(([key]) => !key.startsWith("_")));
  return { srcPath, commit, answers: plain };
}

interface MergeOptions {
  git: Git;
  answersFile: string;
  conflict: "inline" | "rej";
}

/** Applies old → new (the renders under `scratch`) to the project, file by file. */
async function mergeInto(project: string, scratch: string, options: MergeOptions) {
  const oldDir = path.join(scratch, "old");
  const newDir = path.join(scratch, "new");
  const before = await filesUnder(oldDir);
  const after = await filesUnder(newDir);
  const result = {
    merged: [] as string[],
    added: [] as string[],
    removed: [] as string[],
    conflicts: [] as string[],
  };
  const files = [...new Set([...before, ...after])].sort();
  const outcomes = await mapInOrder(files, IN_FLIGHT, (file) => mergeOne(project, scratch, file, options));
  files.forEach((file, index) => {
    const outcome = outcomes[index];
    if (outcome) result[outcome].push(file);
  });
  return result;
}

/** Files merged at once (their reads, writes and `git merge-file`s overlap). */
const IN_FLIGHT = 8;

/** One file of the update; what became of it (nothing: null). */
async function mergeOne(
  project: string,
  scratch: string,
  file: string,
  options: MergeOptions,
): Promise<"merged" | "added" | "removed" | "conflicts" | null> {
  const base = path.join(scratch, "old", file);
  const theirs = path.join(scratch, "new", file);
  const ours = path.join(project, file);
  const [baseText, theirText, ourText] = await Promise.all([bytes(base), bytes(theirs), bytes(ours)]);
  if (sameBytes(baseText, theirText)) return null; // The template did not change it.
  // Untouched here (as rendered, or absent as it was), or the answers file (always the
  // template's): the new version.
  if (file === options.answersFile || sameBytes(ourText, baseText)) {
    if (theirText === null) {
      await rm(ours, { force: true });
      return "removed";
    }
    await writeLike(ours, theirText, theirs);
    return ourText === null ? "added" : "merged";
  }
  if (ourText === null && baseText !== null) return null; // Deleted here: it stays deleted.
  if (theirText === null) return null; // Removed from the template, changed here: kept.
  if (ourText !== null && sameBytes(ourText, theirText)) return null; // Already as the template has it.
  const sides = { base, theirs, ours, baseText, theirText, ourText };
  return (await mergeFile(scratch, file, sides, options)) ? "conflicts" : "merged";
}

interface Sides {
  base: string;
  theirs: string;
  ours: string;
  baseText: Buffer | null;
  theirText: Buffer;
  ourText: Buffer | null;
}

/**
 * A three-way merge of one file changed on both sides (real `git merge-file`); true when it
 * conflicts. Inline, the conflicts are marked in the file; `rej` (and a binary file), a file that
 * conflicts stays as the project has it and the template's change goes beside it as `<file>.rej`
 * (a diff of the two renders), as `git apply --reject` leaves what it cannot apply.
 */
async function mergeFile(
  scratch: string,
  file: string,
  sides: Sides,
  options: MergeOptions,
): Promise<boolean> {
  const binary = [sides.baseText, sides.theirText, sides.ourText].some((b) => b?.includes(0));
  if (!binary) {
    const [ours, base, theirs] = LABELS;
    const merged = await options.git.run(
      [
        "merge-file",
        "-p",
        ...["-L", ours ?? "", "-L", base ?? "", "-L", theirs ?? ""],
        "--",
        sides.ourText === null ? "/dev/null" : sides.ours,
        sides.baseText === null ? "/dev/null" : sides.base,
        sides.theirs,
      ],
      { okExitCodes: CONFLICT_COUNTS },
    );
    if (merged.exitCode === 0 || options.conflict === "inline") {
      await writeLike(sides.ours, Buffer.from(merged.stdout), sides.theirs);
      return merged.exitCode > 0;
    }
  }
  const diff = await options.git
    .at(scratch)
    .run(["diff", "--no-index", "--", sides.baseText === null ? "/dev/null" : `old/${file}`, `new/${file}`], {
      okExitCodes: [1],
    });
  await writeFile(`${sides.ours}.rej`, diff.stdout);
  return true;
}

/** `git merge-file` exits with the number of conflicts (up to 127). */
const CONFLICT_COUNTS = Array.from({ length: 127 }, (_, i) => i + 1);

/** Every file (and symlink) under `root`, relative, `/`-separated. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"));
}

const bytes = (file: string) => readFile(file).catch(() => null);
const sameBytes = (a: Buffer | null, b: Buffer | null) =>
  a === null ? b === null : b !== null && a.equals(b);

/** Writes `content` at `file` (its directory made) with the mode `like` has. */
async function writeLike(file: string, content: Buffer, like: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  await chmod(file, (await lstat(like)).mode & 0o7777);
}
