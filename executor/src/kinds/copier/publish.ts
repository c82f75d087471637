/** Publishing what a copier job made: a branch the remote does not have yet, pushed once. */
import { type Git, GitError } from "../../git/git.ts";

/**
 * Pushes HEAD as a branch the remote does not have yet (a scaffold's first commit, an update's
 * branch). Idempotent: when the branch already holds the same files (an earlier attempt of this
 * job pushed them), that commit is the result; other content there is an error, never overwritten.
 */
export async function pushFirst(
  project: Git,
  publish: { url: string; branch: string },
  commit: string | null,
): Promise<string> {
  const existing = await project.lsRemote(publish.url, publish.branch);
  if (existing === null) {
    await project.push({ branch: publish.branch });
    return commit ?? "";
  }
  await project.run(["fetch", "--quiet", "--no-tags", "--", "origin", `refs/heads/${publish.branch}`]);
  const [theirs, ours] = await Promise.all([
    project.resolve("FETCH_HEAD^{tree}"),
    project.resolve("HEAD^{tree}"),
  ]);
  if (theirs !== null && theirs === ours) return existing;
  throw new GitError(
    `${publish.url} already has a ${publish.branch} branch with other content: publishing only makes a repository's first commit`,
    { args: ["push", "--", "origin", publish.branch] },
  );
}
