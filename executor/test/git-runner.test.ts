/**
 * The git runner with the real git: local bare repositories, and a loopback smart-HTTP server
 * (git's own http-backend behind Basic auth) for credentials, cancels and deadlines.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { GitResult, GitSpec } from "@codegen-orchestrator/shared";
import { afterAll, describe, expect, it } from "vitest";
import { ASKPASS_PASSWORD_VAR } from "../src/git/sandbox.ts";
import { runGit } from "../src/runners/git.ts";
import type { RunContext } from "../src/runners/runner.ts";
import { bareRepo, fixtureGit, removeTempDirs, revParse, tempDir } from "./support/git-fixtures.ts";
import { startGitHttpServer } from "./support/git-http-server.ts";
import { runContext } from "./support/run-context.ts";

afterAll(removeTempDirs);

const author = { name: "Grace Hopper", email: "grace@example.test" };

async function context(overrides: Partial<RunContext> = {}) {
  const made = await runContext({ workdir: await tempDir("co-git-job-"), ...overrides });
  return { ...made, text: () => made.text() };
}

/** Parses the spec like the daemon does (defaults filled in), runs it, checks the result's shape. */
async function run(spec: unknown, ctx: RunContext) {
  const outcome = await runGit(GitSpec.parse(spec), ctx);
  return { ...outcome, output: GitResult.parse(outcome.output) };
}

describe("git runner", () => {
  it("clones at a ref, branches, commits as the author and pushes", async () => {
    const root = await tempDir();
    const remote = await bareRepo(root, "app");
    const { ctx, text } = await context();
    const outcome = await run(
      {
        steps: [
          { op: "clone", url: remote.url, ref: "main" },
          { op: "checkout", ref: "feature/x", create: true },
          { op: "commit", message: "Add feature", author, allowEmpty: true },
          { op: "push" },
        ],
      },
      ctx,
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe("succeeded");
    const pushed = revParse(remote.path, "refs/heads/feature/x");
    expect(pushed).toMatch(/^[0-9a-f]{40}$/);
    expect(outcome.output).toEqual({
      steps: [
        { op: "clone", durationMs: expect.any(Number), commit: remote.commits[1] },
        { op: "checkout", durationMs: expect.any(Number), commit: remote.commits[1] },
        { op: "commit", durationMs: expect.any(Number), commit: pushed },
        { op: "push", durationMs: expect.any(Number), commit: pushed },
      ],
      head: pushed,
      branch: "feature/x",
    });
    expect(fixtureGit(remote.path, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", "feature/x")).toBe(
      "Grace Hopper <grace@example.test>|Grace Hopper <grace@example.test>|Add feature",
    );
    expect(text()).toContain(`system: $ git clone --branch=main -- ${remote.url} repo\n`);
  });

  it("inits a checkout (around files already there), commits them and creates the branch on an empty remote", async () => {
    const root = await tempDir();
    const remote = await bareRepo(root, "empty", 0);
    const { ctx } = await context();
    await mkdir(path.join(ctx.workdir, "repo", "src"), { recursive: true });
    await writeFile(path.join(ctx.workdir, "repo", "src", "main.py"), "print('hi')\n");
    const outcome = await run(
      {
        steps: [
          { op: "init", branch: "trunk", remote: remote.path },
          { op: "commit", message: "Scaffold", author },
          { op: "push" },
        ],
      },
      ctx,
    );
    expect(outcome.status).toBe("succeeded");
    const made = revParse(remote.path, "refs/heads/trunk");
    expect(made).toMatch(/^[0-9a-f]{40}$/);
    expect(outcome.output).toMatchObject({
      steps: [
        { op: "init", commit: null },
        { op: "commit", commit: made },
        { op: "push", commit: made },
      ],
      head: made,
      branch: "trunk",
    });
    expect(fixtureGit(remote.path, "show", "trunk:src/main.py")).toBe("print('hi')");
  });

  it("records no commit when there is nothing to commit, and makes one with allowEmpty", async () => {
    const root = await tempDir();
    const remote = await bareRepo(root, "app");
    const { ctx } = await context();
    const outcome = await run(
      {
        steps: [
          { op: "clone", url: remote.path },
          { op: "commit", message: "Nothing", author },
          { op: "commit", message: "Empty on purpose", author, allowEmpty: true },
        ],
      },
      ctx,
    );
    expect(outcome.status).toBe("succeeded");
    const [, nothing, empty] = outcome.output.steps;
    expect(nothing?.commit).toBeNull();
    expect(empty?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(empty?.commit).not.toBe(remote.commits[1]);
    expect(outcome.output).toMatchObject({ head: empty?.commit, branch: "main" });
  });

  it("stops at a clone that fails, naming the step", async () => {
    const root = await tempDir();
    const { ctx } = await context();
    const outcome = await run(
      {
        steps: [
          { op: "clone", url: path.join(root, "missing.git") },
          { op: "commit", message: "never", author, allowEmpty: true },
        ],
      },
      ctx,
    );
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(
      /^steps\[0\] \(clone\) failed: `git clone` exited with 128: .*does not exist/,
    );
    expect(outcome.output).toEqual({ steps: [], head: null, branch: null });
  });

  it("stops at a push rejected as non-fast-forward; later steps do not run; force pushes", async () => {
    const root = await tempDir();
    const remote = await bareRepo(root, "app");
    const diverge = (force: boolean) => ({
      steps: [
        { op: "clone", url: remote.url, ref: "v1" },
        { op: "checkout", ref: "main", create: true },
        { op: "commit", message: "Diverge", author, allowEmpty: true },
        { op: "push", force },
        { op: "checkout", ref: "after", create: true },
      ],
    });
    const rejected = await run(diverge(false), (await context()).ctx);
    expect(rejected.status).toBe("failed");
    expect(rejected.error).toMatch(/^steps\[3\] \(push\) failed: `git push` exited with 1: .*\[rejected\]/);
    expect(rejected.error).not.toContain("hint:");
    expect(rejected.output.steps.map((step) => step.op)).toEqual(["clone", "checkout", "commit"]);
    expect(rejected.output.branch).toBe("main");
    expect(revParse(remote.path, "refs/heads/main")).toBe(remote.commits[1]);

    const forced = await run(diverge(true), (await context()).ctx);
    expect(forced.status).toBe("succeeded");
    expect(revParse(remote.path, "refs/heads/main")).toBe(forced.output.steps[2]?.commit);
    expect(forced.output.branch).toBe("after");
  });

  it("fails before running anything when the password secret is missing, or a step has no checkout", async () => {
    const { ctx, logs } = await context({ secrets: { OTHER: "x" } });
    const outcome = await run(
      {
        steps: [{ op: "clone", url: "https://example.test/app.git" }],
        credentials: { passwordSecret: "GIT_TOKEN" },
      },
      ctx,
    );
    expect(outcome).toMatchObject({ status: "failed", output: { steps: [], head: null, branch: null } });
    expect(outcome.error).toMatch(/GIT_TOKEN, which this job was not given/);
    expect(logs).toEqual([]);

    const noCheckout = await run({ steps: [{ op: "checkout", ref: "main" }] }, (await context()).ctx);
    expect(noCheckout.status).toBe("failed");
    expect(noCheckout.error).toBe(
      "steps[0] (checkout) failed: there is no checkout yet: start with a clone or init step",
    );
  });
});

describe("git runner over HTTP with credentials", () => {
  const canary = "canary-9f8e7d6c5b4a";

  /** A `git` first on PATH that logs its argv and environment (minus the password) to `log`. */
  async function gitShim() {
    const dir = await tempDir("co-git-shim-");
    const log = path.join(dir, "calls.log");
    const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    const shim = path.join(dir, "git");
    await writeFile(
      shim,
      `#!/bin/sh
{
  printf 'argv:'; for arg in "$@"; do printf ' [%s]' "$arg"; done; echo
  env | grep -v '^${ASKPASS_PASSWORD_VAR}='
  if [ -n "$${ASKPASS_PASSWORD_VAR}" ]; then echo "password variable: set"; fi
  if [ -n "$GIT_ASKPASS" ]; then
    echo "askpass modes: $(stat -c %a "$GIT_ASKPASS") $(stat -c %a "$(dirname "$GIT_ASKPASS")")"
    cat "$GIT_ASKPASS"
  fi
} >> '${log}'
exec '${realGit}' "$@"
`,
    );
    await chmod(shim, 0o755);
    return { dir, log };
  }

  /** Every file under dir, as text. */
  async function allText(dir: string): Promise<string> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    const files = entries.filter((entry) => entry.isFile()).map((e) => path.join(e.parentPath, e.name));
    return (await Promise.all(files.map((file) => readFile(file, "latin1")))).join("\n");
  }

  it("clones and pushes with a password that appears nowhere but the askpass child's environment", async () => {
    const root = await tempDir();
    const remote = await bareRepo(root, "app");
    const server = await startGitHttpServer({ root, username: "bot", password: canary });
    const shim = await gitShim();
    const originalPath = process.env.PATH;
    process.env.PATH = `${shim.dir}:${originalPath}`;
    try {
      const { ctx, text } = await context({ secrets: { GIT_TOKEN: canary } });
      const outcome = await run(
        {
          steps: [
            { op: "clone", url: `${server.url}/app.git`, ref: "main" },
            { op: "checkout", ref: "feature", create: true },
            { op: "commit", message: "Over HTTP", author, allowEmpty: true },
            { op: "push" },
          ],
          credentials: { username: "bot", passwordSecret: "GIT_TOKEN" },
        },
        ctx,
      );
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe("succeeded");
      expect(revParse(remote.path, "refs/heads/feature")).toBe(outcome.output.head);

      const calls = await readFile(shim.log, "utf8");
      // The shim saw the real calls, with the askpass in place and the variable set...
      expect(calls).toMatch(/argv: \[-c\] \[credential.helper=\] .*\[clone\]/);
      expect(calls).toMatch(/argv: .*\[push\]/);
      expect(calls).toContain("password variable: set");
      expect(calls).toContain("askpass modes: 700 700");
      expect(calls).toContain("GIT_TERMINAL_PROMPT=0");
      expect(calls).toContain("GIT_CONFIG_NOSYSTEM=1");
      // ...and the password in none of their argv, the rest of their environment or the askpass script.
      expect(calls).not.toContain(canary);
      expect(await allText(path.join(ctx.workdir, "repo", ".git"))).not.toContain(canary);
      expect(server.requests.some((r) => !r.authorized)).toBe(true);
      expect(server.requests.some((r) => r.authorized && r.url.includes("git-receive-pack"))).toBe(true);
      expect(JSON.stringify(server.requests)).not.toContain(canary);
      expect(text()).not.toContain(canary);
      expect(JSON.stringify(outcome)).not.toContain(canary);
      // No askpass (or its private directory) is left behind.
      const askpasses = [...calls.matchAll(/^GIT_ASKPASS=(.*)$/gm)].map((m) => m[1] as string);
      expect(askpasses.length).toBeGreaterThan(0);
      for (const askpass of askpasses) {
        expect(existsSync(askpass)).toBe(false);
        expect(existsSync(path.dirname(askpass))).toBe(false);
      }
    } finally {
      process.env.PATH = originalPath;
      await server.close();
    }
  }, 30_000);

  it("fails with a clear authentication error for a wrong password, and without credentials", async () => {
    const root = await tempDir();
    await bareRepo(root, "app");
    const server = await startGitHttpServer({ root, username: "bot", password: canary });
    try {
      const { ctx, text } = await context({ secrets: { GIT_TOKEN: "wrong-password" } });
      const wrong = await run(
        {
          steps: [{ op: "clone", url: `${server.url}/app.git` }],
          credentials: { username: "bot", passwordSecret: "GIT_TOKEN" },
        },
        ctx,
      );
      expect(wrong.status).toBe("failed");
      expect(wrong.error).toMatch(/^steps\[0\] \(clone\) failed: .*Authentication failed/);
      expect(wrong.error).not.toContain("wrong-password");
      expect(text()).not.toContain("wrong-password");

      const anonymous = await run(
        { steps: [{ op: "clone", url: `${server.url}/app.git` }] },
        (await context()).ctx,
      );
      expect(anonymous.status).toBe("failed");
      expect(anonymous.error).toMatch(/terminal prompts disabled/);
    } finally {
      await server.close();
    }
  }, 30_000);

  it("stops a clone that hangs when cancelled (cancelled) and at the deadline (timed_out)", async () => {
    const root = await tempDir();
    const server = await startGitHttpServer({ root, username: "bot", password: canary, stall: true });
    try {
      const controller = new AbortController();
      const { ctx: cancelCtx } = await context({ signal: controller.signal });
      const started = Date.now();
      const running = run({ steps: [{ op: "clone", url: `${server.url}/app.git` }] }, cancelCtx);
      await server.firstRequest;
      controller.abort();
      const cancelled = await running;
      expect(cancelled.status).toBe("cancelled");
      expect(cancelled.error).toBe("steps[0] (clone) was stopped: `git clone` was cancelled");
      expect(cancelled.output).toEqual({ steps: [], head: null, branch: null });

      const { ctx: deadlineCtx } = await context({ deadlineAt: Date.now() + 1_000 });
      const timedOut = await run({ steps: [{ op: "clone", url: `${server.url}/app.git` }] }, deadlineCtx);
      expect(timedOut.status).toBe("timed_out");
      expect(timedOut.error).toBe("steps[0] (clone) was stopped: `git clone` passed its deadline");
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await server.close();
    }
  }, 30_000);
});
