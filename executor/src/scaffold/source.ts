/**
 * Where a template comes from: a directory used in place, or a git repository cloned at a ref (or
 * at the newest tag matching a version constraint) and cached per commit (the same commit is
 * never cloned twice; a moving branch is asked about with `git ls-remote` each time).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Git, type GitLog, type GitPassword } from "../git/git.ts";
import { ScaffoldError } from "./errors.ts";
import { newestMatching } from "./versions.ts";

export interface FetchedTemplate {
  root: string;
  /** The commit, for a git source. */
  commit: string | null;
  /** `git describe --tags --always`, what Copier records as `_commit`. */
  describe: string | null;
  /** The ref it was fetched at, for a git source: as named, or the tag the version constraint chose. */
  ref: string | null;
}

export interface GitTemplateOptions {
  url: string;
  ref?: string;
  /** A PEP 440 constraint on the repository's tags (versions.ts), instead of `ref`. */
  version?: string;
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
  const ref = options.version === undefined ? options.ref : await tagFor(git, options.url, options.version);
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
