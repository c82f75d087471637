/**
 * Git fixtures for tests: bare repositories in temp dirs, made and inspected with the real git in
 * an isolated environment (no user or system config).
 */
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { removeTempDirs, tempDir } from "./temp.ts";

export { removeTempDirs, tempDir };

const fixtureEnv = () => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: tmpdir(),
  LANG: "C.UTF-8",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
  GIT_AUTHOR_NAME: "Fixture",
  GIT_AUTHOR_EMAIL: "fixture@example.test",
  GIT_COMMITTER_NAME: "Fixture",
  GIT_COMMITTER_EMAIL: "fixture@example.test",
});

/** Runs the real git for a fixture; returns trimmed stdout. */
export function fixtureGit(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: fixtureEnv(), encoding: "utf8", stdio: "pipe" }).trim();
}

export interface BareRepo {
  /** The bare repository's path. */
  path: string;
  /** `file://` URL of it. */
  url: string;
  /** main's commits, oldest first; the annotated tag v1 is on the first one. */
  commits: string[];
}

/**
 * A bare repo `<root>/<name>.git` whose main has `commits` commits (0: empty), with an annotated
 * tag v1 on the first.
 */
export async function bareRepo(root: string, name: string, commits = 2): Promise<BareRepo> {
  const bare = path.join(root, `${name}.git`);
  fixtureGit(root, "init", "--quiet", "--bare", "--initial-branch=main", bare);
  const shas: string[] = [];
  if (commits > 0) {
    const work = await tempDir("co-git-seed-");
    fixtureGit(work, "init", "--quiet", "--initial-branch=main");
    for (let i = 1; i <= commits; i++) {
      await writeFile(path.join(work, "file.txt"), `version ${i}\n`);
      fixtureGit(work, "add", "--all");
      fixtureGit(work, "commit", "--quiet", "-m", `commit ${i}`);
      shas.push(fixtureGit(work, "rev-parse", "HEAD"));
      if (i === 1) fixtureGit(work, "tag", "-a", "v1", "-m", "version 1");
    }
    fixtureGit(work, "push", "--quiet", bare, "main", "v1");
  }
  return { path: bare, url: `file://${bare}`, commits: shas };
}

/**
 * A bare repository whose main has one commit of the directory `work` (made a repository for it):
 * a project's remote, as the runners clone it.
 */
export async function publishedProject(work: string): Promise<{ path: string; url: string; commit: string }> {
  const repo = await bareRepo(await tempDir("co-project-remote-"), "project", 0);
  fixtureGit(work, "init", "--quiet", "--initial-branch=main");
  fixtureGit(work, "add", "--all");
  fixtureGit(work, "commit", "--quiet", "-m", "the project");
  fixtureGit(work, "push", "--quiet", repo.path, "main");
  return { path: repo.path, url: repo.url, commit: fixtureGit(work, "rev-parse", "HEAD") };
}

/** The sha of `ref` in a repository, or null. */
export function revParse(repo: string, ref: string): string | null {
  try {
    return fixtureGit(repo, "rev-parse", "--verify", "--quiet", ref);
  } catch {
    return null;
  }
}
