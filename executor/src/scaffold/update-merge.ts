/**
 * The merge step of an update: the template's change between the two renders applied to the
 * project file by file, three ways with `git merge-file` (base: the old render, ours: the
 * project, theirs: the new render), conflicts as inline markers (Copier's labels) or as `.rej`
 * files beside the project's version.
 */
import { chmod, lstat, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Git } from "../git/git.ts";
import { mapInOrder } from "./in-order.ts";

const LABELS = ["before updating", "last update", "after updating"];

export interface MergeOptions {
  git: Git;
  answersFile: string;
  conflict: "inline" | "rej";
  /**
   * Files whose old render is the new render (update-changes.ts): the template did not change
   * them, so they are left as they are (the old render has not written them).
   */
  shared: Set<string>;
}

/** Applies old → new (the renders under `scratch`) to the project, file by file. */
export async function mergeInto(project: string, scratch: string, options: MergeOptions) {
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
  const files = [...new Set([...before, ...after])].filter((file) => !options.shared.has(file)).sort();
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
