/** The Git module with the real git against local bare repositories. */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Git, GitError } from "../src/git/git.ts";
import { bareRepo, fixtureGit, removeTempDirs, revParse, tempDir } from "./support/git-fixtures.ts";

afterAll(removeTempDirs);

const author = { name: "Ada Lovelace", email: "ada@example.test" };

function git(cwd: string, extra: Partial<ConstructorParameters<typeof Git>[0]> = {}) {
  const lines: string[] = [];
  const instance = new Git({ cwd, log: (stream, chunk) => lines.push(`${stream}: ${chunk}`), ...extra });
  return { git: instance, logs: () => lines.join("") };
}

describe("Git", () => {
  it("resolves branches, tags (peeled), HEAD and full commit ids of a remote without cloning", async () => {
    const root = await tempDir();
    const remote = await bareRepo(root, "app");
    fixtureGit(remote.path, "tag", "light", remote.commits[1] as string);
    const { git: g } = git(root);
    expect(await g.lsRemote(remote.url, "main")).toBe(remote.commits[1]);
    expect(await g.lsRemote(remote.path)).toBe(remote.commits[1]);
    expect(await g.lsRemote(remote.url, "v1")).toBe(remote.commits[0]);
    expect(await g.lsRemote(remote.url, "light")).toBe(remote.commits[1]);
    expect(await g.lsRemote(remote.url, "refs/heads/main")).toBe(remote.commits[1]);
    expect(await g.lsRemote(remote.url, "no-such-branch")).toBeNull();
    const sha = remote.commits[0] as string;
    expect(await g.lsRemote(remote.url, sha.toUpperCase())).toBe(sha);
  });

  it("clones at a branch, a tag and a full commit id (also shallow)", async () => {
    const root = await tempDir();
    const remote = await bareRepo(root, "app", 3);
    const { git: g } = git(root);

    expect(await g.clone(remote.url, "at-branch", { ref: "main" })).toBe(remote.commits[2]);
    expect(await g.at("at-branch").currentBranch()).toBe("main");

    expect(await g.clone(remote.url, "at-tag", { ref: "v1" })).toBe(remote.commits[0]);
    expect(await g.at("at-tag").currentBranch()).toBeNull();

    const middle = remote.commits[1] as string;
    expect(await g.clone(remote.url, "at-sha", { ref: middle, depth: 1 })).toBe(middle);
    expect(fixtureGit(path.join(root, "at-sha"), "rev-list", "--count", "HEAD")).toBe("1");
    expect(await g.at("at-sha").currentBranch()).toBeNull();

    expect(await g.clone(remote.path, "default")).toBe(remote.commits[2]);
  });

  it("commits everything as the given author, or nothing when there is nothing to commit", async () => {
    const root = await tempDir();
    const { git: g, logs } = git(root);
    await g.init("work", { branch: "trunk" });
    const work = g.at("work");
    expect(await work.head()).toBeNull();
    expect(await work.currentBranch()).toBe("trunk");
    expect(await work.commitAll({ message: "nothing", author })).toBeNull();

    await mkdir(path.join(root, "work", "src"));
    await writeFile(path.join(root, "work", "src", "a.txt"), "a\n");
    const first = await work.commitAll({ message: "-starts with a dash\n\n# and keeps this line", author });
    expect(first).toMatch(/^[0-9a-f]{40}$/);
    expect(fixtureGit(path.join(root, "work"), "log", "-1", "--format=%an <%ae>|%cn <%ce>|%B")).toBe(
      "Ada Lovelace <ada@example.test>|Ada Lovelace <ada@example.test>|-starts with a dash\n\n# and keeps this line",
    );
    expect(await work.commitAll({ message: "again", author })).toBeNull();
    const empty = await work.commitAll({ message: "empty", author, allowEmpty: true });
    expect(empty).not.toBe(first);
    expect(fixtureGit(path.join(root, "work"), "rev-parse", "HEAD^")).toBe(first);
    expect(logs()).toContain("system: $ git commit --quiet --no-verify --file=-\n");
  });

  it("pushes the current branch or a named one, and refuses a detached HEAD", async () => {
    const root = await tempDir();
    const remote = await bareRepo(root, "app");
    const { git: g } = git(root);
    await g.clone(remote.path, "work");
    const work = g.at("work");
    await work.checkout("feature", { create: true });
    const made = await work.commitAll({ message: "feature work", author, allowEmpty: true });
    expect(await work.push()).toBe(made);
    expect(revParse(remote.path, "refs/heads/feature")).toBe(made);

    await work.checkout("v1");
    await expect(work.push()).rejects.toThrow(/HEAD is detached/);
    expect(await work.push({ branch: "feature" })).toBe(made);
  });

  it("masks the password in errors and logs, and keeps no private directory afterwards", async () => {
    const root = await tempDir();
    const scratch = await tempDir();
    const canary = "canary-Pa55word";
    const { git: g, logs } = git(root, {
      credentials: { username: "bot", password: canary },
      scratchDir: scratch,
    });
    await g.init("work", { branch: "main" });
    const error = await g
      .at("work")
      .run(["checkout", canary])
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).exitCode).toBe(1);
    expect((error as GitError).message).toMatch(/^`git checkout` exited with 1: error: pathspec '\*\*\*'/);
    expect(JSON.stringify({ ...(error as GitError), message: (error as GitError).message })).not.toContain(
      canary,
    );
    expect(logs()).toContain("$ git checkout ***");
    expect(logs()).not.toContain(canary);
    expect(await readdir(scratch)).toEqual([]);
  });

  it("refuses URLs with credentials and option-like refs before running git", async () => {
    const root = await tempDir();
    const { git: g, logs } = git(root);
    await expect(g.clone("https://user:secret@example.test/x.git", "x")).rejects.toThrow(
      /must not carry credentials/,
    );
    await expect(g.clone("--upload-pack=touch /tmp/pwned", "x")).rejects.toThrow(/must not start with '-'/);
    await expect(g.checkout("--orphan")).rejects.toThrow(/Not a git ref name/);
    expect(logs()).toBe("");
  });

  it("does not start a command once cancelled or past the deadline", async () => {
    const root = await tempDir();
    const controller = new AbortController();
    controller.abort();
    const cancelled = await git(root, { signal: controller.signal })
      .git.run(["--version"])
      .catch((err: unknown) => err);
    expect(cancelled).toMatchObject({ stoppedBy: "cancelled" });
    const late = await git(root, { deadlineAt: Date.now() - 1 })
      .git.run(["--version"])
      .catch((err: unknown) => err);
    expect(late).toMatchObject({ stoppedBy: "timed_out" });
  });
});
