/**
 * The two versions of a template an update compares: the one the project's answers file records
 * (`_commit`) and the one it updates to (a ref, else the latest release), from one clone of the
 * template's repository, with the paths that differ between them. The new version is checked
 * out; the old one is made from it (old-tree.ts) where it can be, which writes only what differs.
 * A template that is a plain directory has one version: both sides are it (an update then only
 * re-applies changed answers).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { Git, type GitLog } from "../git/git.ts";
import { ScaffoldError } from "./errors.ts";
import { allSettledOrThrow } from "./in-order.ts";
import { type Change, oldTreeFromNew } from "./old-tree.ts";
import { expandGitUrl, isWorkTreeRoot, latestRelease } from "./source.ts";

export interface CheckedOut {
  root: string;
  /** `git describe --tags --always` (what `_commit` records); null for a plain directory. */
  describe: string | null;
  ref: string | null;
}

export interface TemplateVersions {
  new: CheckedOut;
  /**
   * The old version, made (once, when called) from the new one where it can be, so that it can
   * be made while the new one renders.
   */
  old: () => Promise<CheckedOut>;
  /** The paths (relative to the template root) whose content, mode or kind differ between them. */
  changed: string[];
}

export interface CheckOutOptions {
  /** The template as the answers file names it (`_src_path`). */
  srcPath: string;
  /** The recorded `_commit`. */
  from: string | null;
  /** The ref to update to; the latest release when absent. */
  to?: string;
  prereleases?: boolean;
  /** Where the clone and the two trees go (the caller removes it). */
  scratch: string;
  signal?: AbortSignal;
  deadlineAt?: number;
  log?: GitLog;
}

export async function checkOutTemplate(options: CheckOutOptions): Promise<TemplateVersions> {
  const git = new Git({ cwd: options.scratch, signal: options.signal, deadlineAt: options.deadlineAt });
  const remote = expandGitUrl(options.srcPath);
  const local = remote === null && (await isWorkTreeRoot(options.srcPath, git));
  const url = remote ?? (local ? path.resolve(options.srcPath) : null);
  if (url === null) {
    if (options.to !== undefined)
      throw new ScaffoldError(
        "invalid_template",
        `a ref (${options.to}) needs a git template: ${options.srcPath}`,
      );
    const plain = { root: path.resolve(options.srcPath), describe: null, ref: null };
    return { new: plain, old: async () => plain, changed: [] };
  }
  if (options.from === null)
    throw new ScaffoldError(
      "invalid_answers",
      "the answers file records no _commit: there is no version to update from",
    );
  // A local work tree by its path, its objects borrowed (--shared) rather than copied or linked
  // one by one: the clone lives as long as the update, and reads no config or hook of the source.
  // No template directory: the clone runs no hook, so git's sample hooks need not be written.
  const shared = local ? ["--shared"] : [];
  await git.run(["clone", "--quiet", "--no-checkout", "--template=", ...shared, "--", url, "repo"]);
  const repo = git.at("repo");
  const from = options.from;
  const to =
    options.to ??
    latestRelease((await repo.run(["tag", "--list"])).stdout.split("\n").filter(Boolean), options) ??
    "HEAD";
  // No ref git has starts with a dash: such a name is refused before it reaches a command line.
  const dashed = [from, to].find((ref) => ref.startsWith("-"));
  if (dashed) throw missingRef(options.srcPath, dashed);
  const worktree = (dir: string) => {
    const root = path.join(options.scratch, dir);
    // An index of its own: the checkouts can run side by side.
    const run = (args: string[], stdin?: string) =>
      git
        .at(dir)
        .withGitDir(path.join(options.scratch, "repo", ".git"))
        .run(args, { stdin, env: { GIT_INDEX_FILE: `${root}.index`, GIT_LITERAL_PATHSPECS: "1" } });
    return { root, run };
  };
  const oldTree = worktree("old-template");
  const newTree = worktree("new-template");
  const checkOut = async (tree: typeof oldTree, ref: string) => {
    await mkdir(tree.root);
    await tree.run(["checkout", "--force", ref, "--", "."]);
  };
  const changes = changesBetween(repo, from, to);
  // Where the old tree cannot be made from the new one, it is checked out beside it.
  const oldCheckout = changes.then((list) => (oldTreeFromNew(list) ? null : checkOut(oldTree, from)));
  // Described side by side with the checkouts: a ref the repository lacks is named (first) all the same.
  const [[describedOld, describedNew], list] = await allSettledOrThrow([
    describe(repo, [from, to], options.srcPath),
    changes,
    checkOut(newTree, to),
    oldCheckout,
  ]);
  const derive = oldTreeFromNew(list);
  const old = async () => {
    await derive?.(newTree.root, oldTree.root, (paths) =>
      oldTree.run(["checkout", "--force", from, "--pathspec-from-file=-", "--pathspec-file-nul"], paths),
    );
    return { root: oldTree.root, describe: describedOld ?? null, ref: from };
  };
  return {
    new: { root: newTree.root, describe: describedNew ?? null, ref: to },
    old,
    changed: list.map((change) => change.path),
  };
}

/**
 * `git describe --tags --always` of each ref (what `_commit` records), in one command; a ref the
 * repository does not have is named in the error.
 */
async function describe(repo: Git, refs: string[], srcPath: string): Promise<string[]> {
  const described = await repo
    .run(["describe", "--tags", "--always", "--end-of-options", ...refs])
    .catch(() => null);
  if (described) return described.stdout.trim().split("\n");
  for (const ref of refs) {
    if ((await repo.resolve(`${ref}^{commit}`)) === null) throw missingRef(srcPath, ref);
  }
  // Every ref is there: what failed is worth its own error.
  return (await repo.run(["describe", "--tags", "--always", "--end-of-options", ...refs])).stdout
    .trim()
    .split("\n");
}

const missingRef = (srcPath: string, ref: string) =>
  new ScaffoldError("invalid_template", `${srcPath} has no ${ref} (recorded or asked for)`);

/** What differs between two commits, path by path (`git diff --raw`, renames as removal and addition). */
async function changesBetween(repo: Git, from: string, to: string): Promise<Change[]> {
  const out = await repo.run([
    "diff",
    "--raw",
    "-z",
    "--no-renames",
    "--no-abbrev",
    "--end-of-options",
    from,
    to,
    "--",
  ]);
  const fields = out.stdout.split("\0");
  const changes: Change[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    // `:<old mode> <new mode> <old id> <new id> <status>`, then the path.
    const [oldMode, newMode, , , status] = (fields[i] ?? "").slice(1).split(" ");
    changes.push({
      path: fields[i + 1] ?? "",
      oldMode: oldMode ?? "",
      newMode: newMode ?? "",
      status: status ?? "",
    });
  }
  return changes;
}
