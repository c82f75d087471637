/**
 * The git operations the runners need (the git job's steps; cloning templates and publishing
 * scaffolds for copier jobs), each one or a few commands run by command.ts: own process group,
 * clean environment, private HOME, no credential helper, no hooks. A password reaches git only
 * through `GIT_ASKPASS` (see sandbox.ts) and is masked in everything logged or reported; it never
 * goes into a URL, the repository config or argv. Refs and URLs are checked with the protocol's
 * schemas here too, and positional values follow `--` wherever git allows it.
 */
import path from "node:path";
import { GitRef, GitRemoteUrl } from "@codegen-orchestrator/shared";
import { GitError, type GitOptions, type GitOutput, type GitRunOptions, runGitCommand } from "./command.ts";
import { mergeRef } from "./merge.ts";

export { GitError, type GitLog, type GitOptions, type GitOutput, type GitRunOptions } from "./command.ts";
export type { GitPassword } from "./sandbox.ts";

export interface GitIdentity {
  name: string;
  email: string;
}

const FULL_SHA = /^[0-9a-f]{40}$/i;
const HEXISH = /^[0-9a-f]{7,40}$/i;

export class Git {
  readonly cwd: string;
  readonly #options: GitOptions;

  constructor(options: GitOptions) {
    this.cwd = options.cwd;
    this.#options = options;
  }

  /** The same settings, working in `dir` (relative to this cwd or absolute). */
  at(dir: string): Git {
    return new Git({ ...this.#options, cwd: path.resolve(this.cwd, dir) });
  }

  /**
   * The same settings, on the repository whose git directory is `gitDir` and whose work tree is
   * this cwd: for work trees a job could write in (its `.git` is then never read).
   */
  withGitDir(gitDir: string): Git {
    return new Git({ ...this.#options, gitDir });
  }

  /**
   * Clones `url` into `dir`, at `ref` when given: a branch or tag, or a commit (a full id is
   * fetched if the clone did not bring it; an abbreviated one must be within `depth`). Returns
   * HEAD, null for an empty repository.
   */
  async clone(
    url: string,
    dir: string,
    options: { ref?: string; depth?: number } = {},
  ): Promise<string | null> {
    checkUrl(url);
    const { ref, depth } = options;
    const depthArgs = depth === undefined ? [] : [`--depth=${checkDepth(depth)}`];
    if (ref === undefined || !HEXISH.test(checkRef(ref))) {
      await this.run(["clone", ...depthArgs, ...(ref ? [`--branch=${ref}`] : []), "--", url, dir]);
      return this.at(dir).head();
    }
    // Maybe a commit, which `--branch` cannot take: clone, fetch it if it came not along, check it out.
    await this.run(["clone", "--no-checkout", ...depthArgs, "--", url, dir]);
    const checkout = this.at(dir);
    if (FULL_SHA.test(ref) && (await checkout.resolve(`${ref}^{commit}`)) === null)
      await checkout.run(["fetch", ...depthArgs, "--", "origin", ref]);
    await checkout.run(["checkout", ref, "--"]);
    return checkout.head();
  }

  /** Starts a repository in `dir` on `branch`, with `remote` as origin when given. */
  async init(dir: string, options: { branch: string; remote?: string }): Promise<void> {
    checkRef(options.branch);
    if (options.remote !== undefined) checkUrl(options.remote);
    await this.run(["init", "--quiet", `--initial-branch=${options.branch}`, "--", dir]);
    if (options.remote !== undefined)
      await this.at(dir).run(["remote", "add", "--", "origin", options.remote]);
  }

  /** Switches to `ref`; with `create`, makes it a new branch at HEAD. Returns HEAD. */
  async checkout(ref: string, options: { create?: boolean } = {}): Promise<string | null> {
    checkRef(ref);
    await this.run(options.create ? ["checkout", "-b", ref, "--"] : ["checkout", ref, "--"]);
    return this.head();
  }

  /**
   * Stages everything and commits it as `author` (and `committer`, the author by default).
   * Returns the new commit, or null when there was nothing to commit and `allowEmpty` is off.
   */
  async commitAll(options: {
    message: string;
    author: GitIdentity;
    committer?: GitIdentity;
    allowEmpty?: boolean;
  }): Promise<string | null> {
    await this.run(["add", "--all"]);
    const staged = await this.run(["diff", "--cached", "--quiet", "--exit-code"], { okExitCodes: [1] });
    if (staged.exitCode === 0 && !options.allowEmpty) return null;
    await this.run(
      ["commit", "--quiet", "--no-verify", ...(options.allowEmpty ? ["--allow-empty"] : []), "--file=-"],
      { stdin: options.message, env: identityEnv(options.author, options.committer) },
    );
    return this.head();
  }

  /**
   * Merges `ref` (a branch, `<remote>/<branch>` (fetched if the clone did not bring it), a tag or a
   * commit) into the current branch: a fast-forward when possible, else a merge commit with
   * `message` as `author` (and `committer`, the author by default); `fastForwardOnly` refuses the
   * latter. A conflicting merge is aborted and fails naming the files. Returns HEAD (see merge.ts).
   */
  merge(options: {
    ref: string;
    message: string;
    author: GitIdentity;
    committer?: GitIdentity;
    fastForwardOnly?: boolean;
  }): Promise<string | null> {
    return mergeRef(this, {
      ref: checkRef(options.ref),
      message: options.message,
      env: identityEnv(options.author, options.committer),
      fastForwardOnly: options.fastForwardOnly ?? false,
    });
  }

  /** Pushes the local `branch` (the current one by default) to the same name on `remote`. Returns its commit. */
  async push(options: { remote?: string; branch?: string; force?: boolean } = {}): Promise<string | null> {
    const remote = options.remote ?? "origin";
    checkUrl(remote);
    const branch = options.branch ?? (await this.currentBranch());
    if (branch === null)
      throw new GitError("HEAD is detached: name the branch to push", { args: ["push", "--", remote] });
    checkRef(branch);
    const refspec = `refs/heads/${branch}:refs/heads/${branch}`;
    await this.run(["push", ...(options.force ? ["--force"] : []), "--", remote, refspec]);
    return this.resolve(`refs/heads/${branch}^{commit}`);
  }

  /** The commit HEAD points at; null on an unborn branch. */
  head(): Promise<string | null> {
    return this.resolve("HEAD^{commit}");
  }

  /** The checked-out branch (also when unborn); null when HEAD is detached. */
  async currentBranch(): Promise<string | null> {
    const out = await this.run(["symbolic-ref", "--quiet", "--short", "HEAD"], { okExitCodes: [1] });
    return out.exitCode === 0 ? out.stdout.trim() || null : null;
  }

  /** The object `rev` names in this repository, or null. */
  async resolve(rev: string): Promise<string | null> {
    const out = await this.run(["rev-parse", "--verify", "--quiet", "--end-of-options", rev], {
      okExitCodes: [1],
    });
    return out.exitCode === 0 ? out.stdout.trim() || null : null;
  }

  /**
   * What `ref` (a branch, then a tag, peeled to its commit; a full `refs/...` name; HEAD by
   * default) is on the remote `url`, without cloning; null when the remote has no such ref. A full
   * commit id is returned as given: a remote cannot be asked about a bare commit.
   */
  async lsRemote(url: string, ref = "HEAD"): Promise<string | null> {
    checkUrl(url);
    checkRef(ref);
    if (FULL_SHA.test(ref)) return ref.toLowerCase();
    // Patterns match ref names from the end; the peeled line of an annotated tag needs its own.
    const out = await this.run(["ls-remote", "--", url, ref, `${ref}^{}`]);
    const refs = new Map<string, string>();
    for (const line of out.stdout.split("\n")) {
      const [sha, name] = line.split("\t");
      if (sha && name) refs.set(name, sha);
    }
    const candidates =
      ref === "HEAD" || ref.startsWith("refs/")
        ? [`${ref}^{}`, ref]
        : [`refs/heads/${ref}`, `refs/tags/${ref}^{}`, `refs/tags/${ref}`];
    for (const name of candidates) {
      const sha = refs.get(name);
      if (sha) return sha;
    }
    return null;
  }

  /** The tags of the remote `url` and the commits they name (annotated tags peeled), without cloning. */
  async lsRemoteTags(url: string): Promise<Map<string, string>> {
    checkUrl(url);
    const out = await this.run(["ls-remote", "--tags", "--", url]);
    const tags = new Map<string, string>();
    const peeled = new Map<string, string>();
    for (const line of out.stdout.split("\n")) {
      const [sha, name] = line.split("\t");
      if (!sha || !name?.startsWith("refs/tags/")) continue;
      const tag = name.slice("refs/tags/".length);
      if (tag.endsWith("^{}")) peeled.set(tag.slice(0, -3), sha);
      else tags.set(tag, sha);
    }
    for (const [tag, sha] of peeled) tags.set(tag, sha);
    return tags;
  }

  /** Runs `git <args>` in cwd; throws a GitError unless it exits 0 (or with one of `okExitCodes`). */
  run(args: readonly string[], options: GitRunOptions = {}): Promise<GitOutput> {
    return runGitCommand(args, this.#options, options);
  }
}

/** The environment that makes `author` the author of a commit and `committer` (the author by default) its committer. */
function identityEnv(author: GitIdentity, committer: GitIdentity = author): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
  };
}

function checkUrl(url: string): string {
  const parsed = GitRemoteUrl.safeParse(url);
  if (!parsed.success) throw new Error(`Not a usable git remote: ${parsed.error.issues[0]?.message}`);
  return url;
}

function checkRef(ref: string): string {
  if (!GitRef.safeParse(ref).success) throw new Error(`Not a git ref name: ${JSON.stringify(ref)}`);
  return ref;
}

function checkDepth(depth: number): number {
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`Not a clone depth: ${depth}`);
  return depth;
}
