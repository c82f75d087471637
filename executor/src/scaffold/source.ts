/**
 * Where a template comes from, as Copier takes it: a plain directory used in place; a git
 * repository (a URL, or a local directory that is a work tree's root) at a ref, at the newest tag
 * matching a version constraint, or else at its latest release (the newest PEP 440 tag;
 * pre-releases only when asked; HEAD without one). Remote repositories are cached per commit (the
 * same commit is never cloned twice; refs are asked about with `git ls-remote` each time); a
 * local work tree is cloned for each render, with its uncommitted changes committed in the clone
 * when it is rendered at HEAD (Copier's draft commit).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Git, type GitLog, type GitPassword } from "../git/git.ts";
import { ScaffoldError } from "./errors.ts";
import { newestMatching, newestRelease } from "./versions.ts";

export interface FetchedTemplate {
  root: string;
  /** The commit, for a git source. */
  commit: string | null;
  /** `git describe --tags --always`, what Copier records as `_commit`. */
  describe: string | null;
  /**
   * The ref it was fetched at, for a git source: as named, the tag the version constraint chose,
   * or the latest release.
   */
  ref: string | null;
  /** Removes what was made for this render alone (a local work tree's clone). */
  dispose?: () => Promise<void>;
}

export interface GitTemplateOptions {
  url: string;
  ref?: string;
  /** A PEP 440 constraint on the repository's tags (versions.ts), instead of `ref`. */
  version?: string;
  /** Without ref or version, whether the latest release may be a pre-release (`--prereleases`). */
  prereleases?: boolean;
  credentials?: GitPassword;
  cacheDir: string;
  signal?: AbortSignal;
  deadlineAt?: number;
  log?: GitLog;
}

/** Copier's shortcuts and what it takes for a git URL rather than a directory. */
export function expandGitUrl(source: string): string | null {
  if (source.startsWith("gh:")) return `https://github.com/${source.slice(3)}`;
  if (source.startsWith("gl:")) return `https://gitlab.com/${source.slice(3)}`;
  if (/^(https?|ssh|git|file):\/\//.test(source) || /^git@/.test(source) || source.startsWith("git+")) {
    return source.replace(/^git\+/, "");
  }
  if (source.endsWith(".git") && !existsSync(source)) return source;
  return null;
}

/** `name`: the template as the caller named it, for the error (default: the directory). */
export async function localTemplate(dir: string, name = dir): Promise<FetchedTemplate> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory())
    throw new ScaffoldError("invalid_template", `template directory not found: ${name}`);
  return { root: path.resolve(dir), commit: null, describe: null, ref: null };
}

export async function gitTemplate(options: GitTemplateOptions): Promise<FetchedTemplate> {
  const git = new Git({
    cwd: options.cacheDir,
    credentials: options.credentials,
    signal: options.signal,
    deadlineAt: options.deadlineAt,
    log: options.log,
  });
  await mkdir(options.cacheDir, { recursive: true });
  const ref =
    options.version !== undefined
      ? await tagFor(git, options.url, options.version)
      : (options.ref ?? latestRelease([...(await git.lsRemoteTags(options.url)).keys()], options));
  const commit = await git.lsRemote(options.url, ref ?? "HEAD");
  if (!commit) throw new ScaffoldError("invalid_template", `${options.url} has no ref ${ref ?? "HEAD"}`);
  const repoKey = createHash("sha256").update(options.url).digest("hex").slice(0, 16);
  const root = path.join(options.cacheDir, "templates", repoKey, commit);
  const describeFile = path.join(root, "..", `${commit}.describe`);
  if (existsSync(root)) {
    return {
      root,
      commit,
      describe: (await readFile(describeFile, "utf8").catch(() => "")).trim() || commit.slice(0, 7),
      ref: ref ?? null,
    };
  }
  await mkdir(path.dirname(root), { recursive: true });
  const scratch = await mkdtemp(path.join(path.dirname(root), ".clone-"));
  try {
    const checkout = path.join(scratch, "tree");
    await git.at(scratch).clone(options.url, "tree", { ref: commit });
    const described = await git.at(checkout).run(["describe", "--tags", "--always"]);
    await writeFile(describeFile, described.stdout.trim());
    // The cache holds the tree only: a template's own `_exclude` need not know about `.git`.
    await rm(path.join(checkout, ".git"), { recursive: true, force: true });
    // Another job may have cached the same commit meanwhile; either copy is the same tree.
    await rename(checkout, root).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(root)) throw error;
    });
    return { root, commit, describe: described.stdout.trim(), ref: ref ?? null };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The tag of the newest release that satisfies `constraint` (pre-releases left out). */
async function tagFor(git: Git, url: string, constraint: string): Promise<string> {
  const tags = [...(await git.lsRemoteTags(url)).keys()];
  let tag: string | null;
  try {
    tag = newestMatching(tags, constraint);
  } catch (error) {
    throw new ScaffoldError("invalid_template", `invalid version constraint: ${(error as Error).message}`);
  }
  if (tag === null) {
    const listed = tags.length > 0 ? `its tags: ${tags.slice(0, 20).join(", ")}` : "it has no tags";
    throw new ScaffoldError("invalid_template", `no release of ${url} matches ${constraint} (${listed})`);
  }
  return tag;
}

/** The latest release's tag (`newestRelease`), or undefined for HEAD, saying so as Copier does. */
export function latestRelease(
  tags: string[],
  options: { prereleases?: boolean; log?: GitLog },
): string | undefined {
  const tag = newestRelease(tags, options.prereleases);
  if (tag === null) options.log?.("system", "No git tags found in template; using HEAD as ref\n");
  return tag ?? undefined;
}

/** Whether `dir` is the root of a git work tree (Copier renders those through git). */
export async function isWorkTreeRoot(dir: string, git: Git): Promise<boolean> {
  if (!existsSync(path.join(dir, ".git"))) return false;
  const top = await git
    .at(dir)
    .run(["rev-parse", "--show-toplevel"])
    .catch(() => null);
  return top !== null && top.stdout.trim() === (await realpath(dir));
}

export interface LocalGitOptions extends Omit<GitTemplateOptions, "url" | "version" | "credentials"> {
  /** The directory as the caller named it (for `_src_path` and errors). */
  dir: string;
}

/**
 * A local work tree, cloned for this render (disposed after it): at `ref`, else at its latest
 * release. At HEAD (no ref, or `HEAD`), uncommitted changes are committed in the clone first, with
 * a warning, as Copier does; a later checkout of the latest release leaves them out, as Copier's
 * does too.
 */
export async function localGitTemplate(options: LocalGitOptions): Promise<FetchedTemplate> {
  await mkdir(options.cacheDir, { recursive: true });
  const scratch = await mkdtemp(path.join(options.cacheDir, ".local-"));
  const dispose = () => rm(scratch, { recursive: true, force: true });
  try {
    const git = new Git({
      cwd: scratch,
      signal: options.signal,
      deadlineAt: options.deadlineAt,
      log: options.log,
    });
    const source = path.resolve(options.dir);
    // By its path: git clones a local repository with hard links, not through a pack.
    await git.run(["clone", "--quiet", "--no-checkout", "--", source, "tree"]);
    const clone = git.at("tree");
    const atHead = options.ref === undefined || options.ref === "HEAD";
    if (atHead && (await git.at(source).run(["status", "--porcelain"])).stdout.trim() !== "") {
      options.log?.(
        "system",
        "Warning: dirty template changes included automatically (uncommitted in the template)\n",
      );
      await git
        .at(source)
        .withGitDir(path.join(scratch, "tree", ".git"))
        .commitAll({ message: "Copier automated commit for draft changes", author: DRAFT_AUTHOR });
    }
    await clone.run(["checkout", "--quiet", "--force", options.ref ?? "HEAD", "--"]);
    const ref =
      options.ref ??
      latestRelease((await clone.run(["tag", "--list"])).stdout.split("\n").filter(Boolean), options);
    if (options.ref === undefined && ref !== undefined)
      await clone.run(["checkout", "--quiet", "--force", ref, "--"]);
    const commit = (await clone.run(["rev-parse", "HEAD"])).stdout.trim();
    const describe = (await clone.run(["describe", "--tags", "--always"])).stdout.trim();
    await rm(path.join(scratch, "tree", ".git"), { recursive: true, force: true });
    return { root: path.join(scratch, "tree"), commit, describe, ref: ref ?? null, dispose };
  } catch (error) {
    await dispose();
    if (error instanceof ScaffoldError) throw error;
    throw new ScaffoldError("invalid_template", `${options.dir}: ${(error as Error).message}`);
  }
}

/** Who the draft commit of a dirty local template is by (Copier's own). */
const DRAFT_AUTHOR = { name: "Copier", email: "copier@copier" };
