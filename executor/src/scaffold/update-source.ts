/**
 * The two versions of a template an update compares: the one the project's answers file records
 * (`_commit`) and the one it updates to (a ref, else the latest release), each checked out from
 * one clone of the template's repository. A template that is a plain directory has one version:
 * both sides are it (an update then only re-applies changed answers).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { Git, type GitLog } from "../git/git.ts";
import { ScaffoldError } from "./errors.ts";
import { expandGitUrl, isWorkTreeRoot, latestRelease } from "./source.ts";

export interface CheckedOut {
  root: string;
  /** `git describe --tags --always` (what `_commit` records); null for a plain directory. */
  describe: string | null;
  ref: string | null;
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

export async function checkOutTemplate(
  options: CheckOutOptions,
): Promise<{ old: CheckedOut; new: CheckedOut }> {
  const git = new Git({ cwd: options.scratch, signal: options.signal, deadlineAt: options.deadlineAt });
  const url =
    expandGitUrl(options.srcPath) ??
    // A local work tree by its path: git then clones it with hard links, not through a pack.
    ((await isWorkTreeRoot(options.srcPath, git)) ? path.resolve(options.srcPath) : null);
  if (url === null) {
    if (options.to !== undefined)
      throw new ScaffoldError(
        "invalid_template",
        `a ref (${options.to}) needs a git template: ${options.srcPath}`,
      );
    const plain = { root: path.resolve(options.srcPath), describe: null, ref: null };
    return { old: plain, new: plain };
  }
  if (options.from === null)
    throw new ScaffoldError(
      "invalid_answers",
      "the answers file records no _commit: there is no version to update from",
    );
  await git.run(["clone", "--quiet", "--no-checkout", "--", url, "repo"]);
  const repo = git.at("repo");
  const tags = (await repo.run(["tag", "--list"])).stdout.split("\n").filter(Boolean);
  const to = options.to ?? latestRelease(tags, options) ?? "HEAD";
  const checkOut = async (ref: string, dir: string): Promise<CheckedOut> => {
    if ((await repo.resolve(`${ref}^{commit}`)) === null)
      throw new ScaffoldError("invalid_template", `${options.srcPath} has no ${ref} (recorded or asked for)`);
    const root = path.join(options.scratch, dir);
    await mkdir(root);
    // An index of its own: the two checkouts run side by side.
    await git
      .at(dir)
      .withGitDir(path.join(options.scratch, "repo", ".git"))
      .run(["checkout", "--force", ref, "--", "."], { env: { GIT_INDEX_FILE: `${root}.index` } });
    const describe = (await repo.run(["describe", "--tags", "--always", ref])).stdout.trim();
    return { root, describe, ref };
  };
  const [old, updated] = await Promise.all([
    checkOut(options.from, "old-template"),
    checkOut(to, "new-template"),
  ]);
  return { old, new: updated };
}
