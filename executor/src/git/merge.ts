/**
 * Merging a ref into the current branch (the git job's `merge` step), with the Git module's
 * commands: the ref is resolved to its commit first (fetched from its remote when the clone did
 * not bring it, and the history deepened when a shallow clone lacks the merge base), so that every
 * later command gets a commit id, which git can never read as an option. A fast-forward when
 * possible, else a merge commit as the given identity; a conflicting merge is aborted, leaving the
 * checkout as it was, and fails naming the conflicting files.
 */
import { GitError, type GitOutput, type GitRunOptions } from "./command.ts";

/** What merging needs of the Git module's Git (git.ts), which calls in here. */
interface Git {
  run(args: readonly string[], options?: GitRunOptions): Promise<GitOutput>;
  resolve(rev: string): Promise<string | null>;
  head(): Promise<string | null>;
}

export interface MergeRequest {
  /** The branch, remote-tracking branch (`origin/x`), tag or commit to merge; a valid ref name. */
  ref: string;
  message: string;
  /** The author and committer variables for the merge commit (and the reflog). */
  env: Record<string, string>;
  fastForwardOnly: boolean;
}

const FULL_SHA = /^[0-9a-f]{40}$/i;
/** The most conflicting files an error names; the rest are counted. */
const CONFLICTS_NAMED = 20;

/** Merges `ref` into HEAD; returns HEAD after the merge. */
export async function mergeRef(repo: Git, request: MergeRequest): Promise<string | null> {
  const { ref, env } = request;
  const target = await commitOf(repo, ref);
  const head = await repo.head();
  // On an unborn branch, git starts the branch at the target.
  if (head !== null) {
    const base = await mergeBase(repo, head, target, ref);
    if (base === target) return head;
    if (base !== head) {
      if (request.fastForwardOnly)
        throw new GitError(
          `merging ${ref} is not a fast-forward: the current branch has commits ${ref} does not (fastForwardOnly refuses a merge commit)`,
          { args: ["merge", "--ff-only", target] },
        );
      await mergeCommit(repo, request, target);
      return repo.head();
    }
  }
  await repo.run(["merge", "--ff-only", "--no-stat", target], { env });
  return repo.head();
}

/** The commit `ref` names, fetching it from its remote when the checkout does not have it yet. */
async function commitOf(repo: Git, ref: string): Promise<string> {
  const local = await repo.resolve(`${ref}^{commit}`);
  if (local !== null) return local;
  const remoteBranch = await splitRemoteBranch(repo, ref);
  if (remoteBranch) {
    const [remote, branch] = remoteBranch;
    await repo.run(["fetch", "--", remote, `+refs/heads/${branch}:refs/remotes/${remote}/${branch}`]);
  } else if (FULL_SHA.test(ref)) {
    await repo.run(["fetch", "--", "origin", ref]);
  }
  const fetched = await repo.resolve(`${ref}^{commit}`);
  if (fetched === null)
    throw new GitError(
      `${ref} names no commit of the checkout: name a branch of a remote as <remote>/<branch> (e.g. origin/${ref}), a local branch, a tag or a commit`,
      { args: ["rev-parse", ref] },
    );
  return fetched;
}

/** `[remote, branch]` when `ref` is `<remote>/<branch>` for a remote of the checkout (the longest such name). */
async function splitRemoteBranch(repo: Git, ref: string): Promise<[string, string] | null> {
  const remotes = (await repo.run(["remote"])).stdout.split("\n").filter(Boolean);
  const remote = remotes
    .filter((name) => ref.startsWith(`${name}/`) && ref.length > name.length + 1)
    .sort((a, b) => b.length - a.length)[0];
  return remote === undefined ? null : [remote, ref.slice(remote.length + 1)];
}

/**
 * The merge base of HEAD and `target`. A shallow clone may lack it: its history is then fetched
 * in full (from origin, where a clone's history comes from) and the base looked for again.
 */
async function mergeBase(repo: Git, head: string, target: string, ref: string): Promise<string> {
  const find = async () => {
    const out = await repo.run(["merge-base", head, target], { okExitCodes: [1] });
    return out.exitCode === 0 ? out.stdout.trim() : null;
  };
  let base = await find();
  if (base === null && (await repo.run(["rev-parse", "--is-shallow-repository"])).stdout.trim() === "true") {
    await repo.run(["fetch", "--unshallow", "--", "origin"]);
    base = await find();
  }
  if (base === null)
    throw new GitError(
      `${ref} shares no history with the current branch: there is nothing to merge it onto`,
      {
        args: ["merge-base", head, target],
      },
    );
  return base;
}

/**
 * A true merge: git merges without committing, then the commit is made with `message` as the
 * identity in `env`. A conflict (or any failure) aborts the merge, so no merge is left in progress.
 */
async function mergeCommit(repo: Git, request: MergeRequest, target: string): Promise<void> {
  const { env } = request;
  try {
    await repo.run(["merge", "--no-ff", "--no-commit", "--no-stat", target], { env });
    await repo.run(["commit", "--quiet", "--no-verify", "--file=-"], { stdin: request.message, env });
  } catch (err) {
    if (err instanceof GitError && err.stoppedBy) throw err;
    const conflicts = await conflictingFiles(repo);
    if ((await repo.resolve("MERGE_HEAD")) !== null) await repo.run(["merge", "--abort"]);
    if (conflicts.length === 0) throw err;
    const named = conflicts.slice(0, CONFLICTS_NAMED).join(", ");
    const more = conflicts.length > CONFLICTS_NAMED ? ` and ${conflicts.length - CONFLICTS_NAMED} more` : "";
    throw new GitError(`merging ${request.ref} conflicts in: ${named}${more}`, {
      args: ["merge", "--no-ff", "--no-commit", target],
    });
  }
}

/** The paths left unmerged by a merge, in git's order. */
async function conflictingFiles(repo: Git): Promise<string[]> {
  const out = await repo.run(["diff", "--name-only", "--diff-filter=U", "-z"]);
  return out.stdout.split("\0").filter(Boolean);
}
