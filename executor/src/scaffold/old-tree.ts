/**
 * The old version of a template made from a checkout of the new one, for an update: the files the
 * two share hard-linked (both trees are only read), the paths that differ removed, then the old
 * version's checked out in their place. It is what a checkout of the old version writes, with
 * one git write per changed path instead of one per file of the template.
 */
import { link, mkdir, readdir, readlink, rm, rmdir, symlink } from "node:fs/promises";
import path from "node:path";

/** One path that differs between the versions (`git diff --raw`, no renames). */
export interface Change {
  path: string;
  /** Git's modes (`000000`: absent on that side; `160000`: a submodule). */
  oldMode: string;
  newMode: string;
  /** A (added in the new version), D (deleted), M (modified), T (changed kind). */
  status: string;
}

/** Checks the old version's `paths` out into the old tree (NUL-separated on stdin). */
export type CheckOutPaths = (paths: string) => Promise<unknown>;

/**
 * How to make the old tree from the new one, or null when a plain checkout must: a submodule
 * changed (a checkout makes its directory), or a `.gitattributes` (which decides how every file,
 * changed or not, is written out).
 */
export function oldTreeFromNew(
  changes: Change[],
): ((newRoot: string, oldRoot: string, checkOut: CheckOutPaths) => Promise<void>) | null {
  const derivable = changes.every(
    (change) =>
      change.oldMode !== "160000" &&
      change.newMode !== "160000" &&
      path.posix.basename(change.path) !== ".gitattributes",
  );
  if (!derivable) return null;
  return async (newRoot, oldRoot, checkOut) => {
    await linkTree(newRoot, oldRoot);
    // Out first, every path the new version has differently: a directory there may be a file here.
    await Promise.all(
      changes
        .filter((change) => change.status !== "D")
        .map((change) => rm(path.join(oldRoot, change.path), { recursive: true, force: true })),
    );
    for (const change of changes) if (change.status === "A") await pruneEmpty(oldRoot, change.path);
    const back = changes.filter((change) => change.status !== "A").map((change) => change.path);
    if (back.length > 0) await checkOut(back.join("\0"));
  };
}

/** `from` copied to `to` (new), its files as hard links, its symbolic links as they are. */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to);
  const entries = await readdir(from, { withFileTypes: true });
  await Promise.all(
    entries.map(async (entry) => {
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      if (entry.isDirectory()) await linkTree(source, target);
      else if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
      else await link(source, target);
    }),
  );
}

/**
 * The directories above `file` that only the new version's files made, removed (empty, from the
 * deepest up): git makes directories for files, so a checkout of the old version has none of them.
 */
async function pruneEmpty(root: string, file: string): Promise<void> {
  for (let dir = path.posix.dirname(file); dir !== "."; dir = path.posix.dirname(dir)) {
    const removed = await rmdir(path.join(root, dir)).then(
      () => true,
      () => false,
    );
    if (!removed) return;
  }
}
