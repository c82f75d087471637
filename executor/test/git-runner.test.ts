/**
 * The git runner with the real git: local bare repositories, and a loopback smart-HTTP server
 * (git's own http-backend behind Basic auth) for credentials, cancels and deadlines.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { GIT_READ_TOTAL_BYTES, GitResult, GitSpec } from "@codegen-orchestrator/shared";
import { afterAll, describe, expect, it } from "vitest";
import { ASKPASS_PASSWORD_VAR } from "../src/git/sandbox.ts";
import type { RunContext } from "../src/jobs/runner.ts";
import { READ_RESULT_BYTES } from "../src/kinds/git/read-step.ts";
import { runGit } from "../src/kinds/git/runner.ts";
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

/** A bare repo `<root>/<name>.git` whose main has one commit of `files` (a Buffer as is; `{ link }`: a symlink). */
async function repoWith(
  root: string,
  name: string,
  files: Record<string, string | Buffer | { link: string }>,
) {
  const bare = path.join(root, `${name}.git`);
  fixtureGit(root, "init", "--quiet", "--bare", "--initial-branch=main", bare);
  const work = await tempDir("co-git-seed-");
  fixtureGit(work, "init", "--quiet", "--initial-branch=main");
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(work, file)), { recursive: true });
    if (typeof content === "object" && "link" in content) await symlink(content.link, path.join(work, file));
    else await writeFile(path.join(work, file), content);
  }
  fixtureGit(work, "add", "--all");
  fixtureGit(work, "commit", "--quiet", "-m", "files");
  fixtureGit(work, "push", "--quiet", bare, "main");
  return { path: bare, url: `file://${bare}`, commit: revParse(bare, "main") };
}

describe("git runner: read steps", () => {
  const manifest = '{ "test": { "command": ["npm", "test"] } }\n';
  const envExample = "PORT=8080\nDATABASE_URL=\n# «comment» ✓\n";

  it("reads files at the cloned commit: text, null for no file or a directory, symlinks within the checkout", async () => {
    const root = await tempDir();
    const remote = await repoWith(root, "app", {
      ".env.example": envExample,
      "orchestrator.json": `\uFEFF${manifest}`,
      "config/app.json": "{}",
      "docs/manifest-link.json": { link: "../orchestrator.json" },
      "linked-config": { link: "config" },
      dangling: { link: "nowhere" },
    });
    const { ctx, text } = await context();
    const outcome = await run(
      {
        steps: [
          { op: "clone", url: remote.url, ref: "main" },
          {
            op: "read",
            paths: [
              ".env.example",
              "orchestrator.json",
              "missing.txt",
              "config",
              "orchestrator.json/x",
              "dangling",
            ],
            maxBytes: 4096,
          },
          {
            op: "read",
            paths: ["docs/manifest-link.json", "linked-config/app.json", "./config//app.json"],
            maxBytes: 4096,
          },
        ],
      },
      ctx,
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe("succeeded");
    expect(outcome.output).toEqual({
      steps: [
        { op: "clone", durationMs: expect.any(Number), commit: remote.commit },
        {
          op: "read",
          durationMs: expect.any(Number),
          commit: null,
          files: {
            ".env.example": envExample,
            // The BOM is dropped, so that the text parses as JSON.
            "orchestrator.json": manifest,
            "missing.txt": null,
            config: null,
            "orchestrator.json/x": null,
            dangling: null,
          },
        },
        {
          op: "read",
          durationMs: expect.any(Number),
          commit: null,
          files: {
            "docs/manifest-link.json": manifest,
            "linked-config/app.json": "{}",
            "./config//app.json": "{}",
          },
        },
      ],
      head: remote.commit,
      branch: "main",
    });
    expect(JSON.parse(outcome.output.steps[1]?.files?.["orchestrator.json"] ?? "")).toEqual({
      test: { command: ["npm", "test"] },
    });
    expect(text()).toContain(`system: read .env.example: ${Buffer.byteLength(envExample)} bytes\n`);
    expect(text()).toContain("system: read missing.txt: no file\n");
  });

  it("fails on a file over maxBytes (never truncates it), binary content and text that is not UTF-8", async () => {
    const root = await tempDir();
    const remote = await repoWith(root, "app", {
      "exact.txt": "x".repeat(100),
      "big.txt": "x".repeat(101),
      "image.png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x0d]),
      "latin1.txt": Buffer.from("caf\xe9\n", "latin1"),
    });
    const readIn = async (paths: string[]) => {
      const { ctx } = await context();
      return run(
        {
          steps: [
            { op: "clone", url: remote.path },
            { op: "read", paths, maxBytes: 100 },
          ],
        },
        ctx,
      );
    };

    const exact = await readIn(["exact.txt"]);
    expect(exact.status).toBe("succeeded");
    expect(exact.output.steps[1]?.files).toEqual({ "exact.txt": "x".repeat(100) });

    const big = await readIn(["exact.txt", "big.txt"]);
    expect(big.status).toBe("failed");
    expect(big.error).toBe(
      "steps[1] (read) failed: big.txt is larger than the read limit of 100 bytes (maxBytes); it was not read",
    );
    // The failed step is not listed; HEAD still is.
    expect(big.output).toEqual({
      steps: [{ op: "clone", durationMs: expect.any(Number), commit: remote.commit }],
      head: remote.commit,
      branch: "main",
    });

    const binary = await readIn(["image.png"]);
    expect(binary.status).toBe("failed");
    expect(binary.error).toBe(
      "steps[1] (read) failed: image.png is binary (it contains a NUL byte), not text",
    );

    const latin1 = await readIn(["latin1.txt"]);
    expect(latin1.status).toBe("failed");
    expect(latin1.error).toBe("steps[1] (read) failed: latin1.txt is not UTF-8 text");
  });

  it("refuses a symlink, or a path through one, that leads outside the checkout", async () => {
    const root = await tempDir();
    const secrets = await tempDir("co-git-outside-");
    await writeFile(path.join(secrets, "token"), "canary-outside\n");
    const remote = await repoWith(root, "app", {
      ".env.example": { link: path.join(secrets, "token") },
      "up.txt": { link: "../outside.txt" },
      "outside-dir": { link: secrets },
      "root-link": { link: "." },
    });
    for (const [file, message] of [
      [".env.example", ".env.example is a symlink, or goes through one, that leads outside the checkout"],
      ["up.txt", "up.txt is a symlink, or goes through one, that leads outside the checkout"],
      [
        "outside-dir/token",
        "outside-dir/token is a symlink, or goes through one, that leads outside the checkout",
      ],
    ] as const) {
      const { ctx, text } = await context();
      // What `../outside.txt` from the checkout's root leads to: the job's workdir.
      await writeFile(path.join(ctx.workdir, "outside.txt"), "canary-outside\n");
      const outcome = await run(
        {
          steps: [
            { op: "clone", url: remote.path },
            { op: "read", paths: [file] },
          ],
        },
        ctx,
      );
      expect(outcome.status).toBe("failed");
      expect(outcome.error).toBe(`steps[1] (read) failed: ${message}`);
      expect(JSON.stringify(outcome)).not.toContain("canary-outside");
      expect(text()).not.toContain("canary-outside");
    }

    // A symlink to the checkout's root itself stays inside it.
    const inside = await run(
      {
        steps: [
          { op: "clone", url: remote.path },
          { op: "read", paths: ["root-link", "root-link/root-link"] },
        ],
      },
      (await context()).ctx,
    );
    expect(inside.status).toBe("succeeded");
    expect(inside.output.steps[1]?.files).toEqual({ "root-link": null, "root-link/root-link": null });
  });

  it("fails a read with no checkout before it, and reads an init's working tree", async () => {
    const noCheckout = await run(
      { steps: [{ op: "read", paths: ["orchestrator.json"] }] },
      (await context()).ctx,
    );
    expect(noCheckout.status).toBe("failed");
    expect(noCheckout.error).toBe(
      "steps[0] (read) failed: there is no checkout yet: start with a clone or init step",
    );
    expect(noCheckout.output).toEqual({ steps: [], head: null, branch: null });

    const { ctx } = await context();
    await mkdir(path.join(ctx.workdir, "repo"), { recursive: true });
    await writeFile(path.join(ctx.workdir, "repo", "orchestrator.json"), manifest);
    const afterInit = await run(
      {
        steps: [
          { op: "init", branch: "main" },
          { op: "read", paths: ["orchestrator.json"] },
        ],
      },
      ctx,
    );
    expect(afterInit.status).toBe("succeeded");
    expect(afterInit.output.steps[1]?.files).toEqual({ "orchestrator.json": manifest });
  });

  it("keeps the result inside the frame limit when escaping makes the text grow", async () => {
    const root = await tempDir();
    // 50 000 bytes of text, 300 000 as JSON (\u0001 each).
    const remote = await repoWith(root, "app", { "controls.txt": "\u0001".repeat(50_000) });
    const outcome = await run(
      {
        steps: [
          { op: "clone", url: remote.path },
          { op: "read", paths: ["controls.txt"] },
        ],
      },
      (await context()).ctx,
    );
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toBe(
      `steps[1] (read) failed: reading controls.txt takes the files read by this job over ${READ_RESULT_BYTES} bytes of result (as JSON): read fewer or smaller files`,
    );
  });

  it("validates read steps: relative paths inside the checkout, 1 to 20 of them, a limit per file and per job", () => {
    const issue = (step: unknown) => {
      const parsed = GitSpec.safeParse({ steps: [step] });
      return parsed.success ? null : parsed.error.issues[0]?.message;
    };
    expect(issue({ op: "read", paths: ["../x"] })).toBe("must not contain a '..' segment");
    expect(issue({ op: "read", paths: ["a/../../x"] })).toBe("must not contain a '..' segment");
    expect(issue({ op: "read", paths: ["a/.."] })).toBe("must not contain a '..' segment");
    expect(issue({ op: "read", paths: ["/etc/passwd"] })).toBe(
      "must be relative to the checkout's root (no leading '/')",
    );
    expect(issue({ op: "read", paths: ["a\u0000b"] })).toBe(
      "must not contain NUL or other control characters",
    );
    expect(issue({ op: "read", paths: ["a\nb"] })).toBe("must not contain NUL or other control characters");
    expect(issue({ op: "read", paths: ["x".repeat(501)] })).toMatch(/500/);
    expect(issue({ op: "read", paths: [""] })).not.toBeNull();
    expect(issue({ op: "read", paths: [] })).not.toBeNull();
    const paths = (n: number) => Array.from({ length: n }, (_, i) => `f${i}`);
    expect(issue({ op: "read", paths: paths(21), maxBytes: 1024 })).toMatch(/20/);
    expect(issue({ op: "read", paths: ["a"], maxBytes: 262_145 })).not.toBeNull();
    expect(issue({ op: "read", paths: ["a"], maxBytes: 0 })).not.toBeNull();
    expect(issue({ op: "read", paths: ["a"], extra: true })).not.toBeNull();

    expect(issue({ op: "read", paths: paths(20), maxBytes: 9830 })).toBeNull();
    expect(
      issue({ op: "read", paths: ["..x", "a/..b", "x..", ".env.example", "a/./b"], maxBytes: 1024 }),
    ).toBeNull();
    expect(GitSpec.parse({ steps: [{ op: "read", paths: ["a"] }] }).steps[0]).toEqual({
      op: "read",
      paths: ["a"],
      maxBytes: 65_536,
    });

    // The job's budget: paths × maxBytes, summed over its read steps.
    const budget = `read steps may return at most ${GIT_READ_TOTAL_BYTES} bytes in all (paths × maxBytes, summed over them): read fewer files or lower maxBytes`;
    expect(issue({ op: "read", paths: paths(4) })).toBe(budget);
    expect(issue({ op: "read", paths: paths(3) })).toBeNull();
    const twoSteps = (maxBytes: number) =>
      GitSpec.safeParse({
        steps: [
          { op: "read", paths: paths(2), maxBytes },
          { op: "read", paths: ["a"], maxBytes },
        ],
      });
    expect(twoSteps(65_536).success).toBe(true);
    expect(twoSteps(65_537).error?.issues).toEqual([
      expect.objectContaining({ message: budget, path: ["steps"] }),
    ]);

    // `files` belongs to read steps' results, and only to them.
    const step = { op: "clone", durationMs: 1, commit: null };
    expect(GitResult.safeParse({ steps: [step], head: null, branch: null }).success).toBe(true);
    expect(GitResult.safeParse({ steps: [{ ...step, files: {} }], head: null, branch: null }).success).toBe(
      false,
    );
    expect(GitResult.safeParse({ steps: [{ ...step, op: "read" }], head: null, branch: null }).success).toBe(
      false,
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

describe("git runner: profile steps", () => {
  it("profiles the checkout: a Makefile-driven project without a manifest, each decision with its source", async () => {
    const remote = await repoWith(await tempDir(), "made", {
      Makefile: "test:\n\tpython3 -m unittest discover -s tests\nrun:\n\tpython3 -m app\n",
      "tests/test_app.py": "import unittest\n",
      "app/__main__.py": "print('hi')\n",
    });
    const { ctx, text } = await context();
    const outcome = await run({ steps: [{ op: "clone", url: remote.url }, { op: "profile" }] }, ctx);
    expect(outcome.error).toBeUndefined();
    expect(outcome.output.steps[1]).toEqual({
      op: "profile",
      durationMs: expect.any(Number),
      commit: null,
      profile: {
        manifest: false,
        test: { command: ["make", "test"], docker: false, from: "Makefile: target `test`" },
        start: { command: ["make", "run"], from: "Makefile: target `run`" },
        healthPath: { path: "/health", from: expect.stringMatching(/^assumed: /) },
        startupSeconds: null,
        migrate: null,
        compose: null,
        notes: [
          expect.stringMatching(/^also found a test command, not used .*: python3 -m unittest discover/),
        ],
      },
    });
    expect(text()).toContain(
      "system: profile: tests: Makefile: target `test`; start: Makefile: target `run`; health path /health\n",
    );
  });

  it("fails on a manifest that does not fit, saying what to write; counts against the result's budget", async () => {
    const remote = await repoWith(await tempDir(), "bad", {
      "orchestrator.json": '{"service": {"start": "npm start"}}',
    });
    const { ctx } = await context();
    const outcome = await run({ steps: [{ op: "clone", url: remote.url }, { op: "profile" }] }, ctx);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatch(
      /^steps\[1\] \(profile\) failed: orchestrator\.json does not fit: service\.start: .*; expected \{ "test"/,
    );
    const spec = {
      steps: [{ op: "clone", url: remote.url }, { op: "read", paths: ["a", "b", "c"] }, { op: "profile" }],
    };
    expect(GitSpec.safeParse(spec).success).toBe(false);
    expect(
      GitSpec.safeParse({ ...spec, steps: [spec.steps[0], { op: "read", paths: ["a"] }, { op: "profile" }] })
        .success,
    ).toBe(true);
  });
});

/**
 * A commit of `files` on `branch` of the bare repo `bare`, made on top of `base` and pushed:
 * returns it.
 */
async function pushCommit(bare: string, branch: string, base: string, files: Record<string, string>) {
  const work = await tempDir("co-git-seed-");
  fixtureGit(work, "clone", "--quiet", "--no-checkout", bare, ".");
  fixtureGit(work, "checkout", "--quiet", "-B", branch, base);
  for (const [file, content] of Object.entries(files)) await writeFile(path.join(work, file), content);
  fixtureGit(work, "add", "--all");
  fixtureGit(work, "commit", "--quiet", "-m", `on ${branch}`);
  fixtureGit(work, "push", "--quiet", "origin", `HEAD:refs/heads/${branch}`);
  return fixtureGit(work, "rev-parse", "HEAD");
}

describe("git runner: merge steps", () => {
  const merge = (ref: string, extra: object = {}) => ({
    op: "merge",
    ref,
    message: `Merge ${ref}`,
    author,
    ...extra,
  });

  it("fast-forwards main to a pushed branch and pushes it", async () => {
    const remote = await bareRepo(await tempDir(), "app");
    const feature = await pushCommit(remote.path, "template-upgrade-v2", remote.commits[1] as string, {
      "upgrade.txt": "v2\n",
    });
    const { ctx, text } = await context();
    const outcome = await run(
      {
        steps: [
          { op: "clone", url: remote.url, ref: "main" },
          merge("origin/template-upgrade-v2"),
          { op: "push" },
        ],
      },
      ctx,
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.output).toEqual({
      steps: [
        { op: "clone", durationMs: expect.any(Number), commit: remote.commits[1] },
        { op: "merge", durationMs: expect.any(Number), commit: feature },
        { op: "push", durationMs: expect.any(Number), commit: feature },
      ],
      head: feature,
      branch: "main",
    });
    expect(revParse(remote.path, "refs/heads/main")).toBe(feature);
    expect(text()).toContain(`system: $ git merge --ff-only --no-stat ${feature}\n`);
  });

  it("makes a merge commit, as the author, of both tips when main has moved on", async () => {
    const remote = await bareRepo(await tempDir(), "app");
    const base = remote.commits[1] as string;
    const feature = await pushCommit(remote.path, "feature", base, { "feature.txt": "feature\n" });
    const main = await pushCommit(remote.path, "main", base, { "main.txt": "main\n" });
    const { ctx } = await context();
    const outcome = await run(
      {
        steps: [
          { op: "clone", url: remote.url },
          merge("origin/feature", { message: "Merge the feature\n\nWith a body." }),
          { op: "push" },
        ],
      },
      ctx,
    );
    expect(outcome.error).toBeUndefined();
    const merged = revParse(remote.path, "refs/heads/main");
    expect(outcome.output.steps[1]).toEqual({ op: "merge", durationMs: expect.any(Number), commit: merged });
    expect(fixtureGit(remote.path, "log", "-1", "--format=%P", "main")).toBe(`${main} ${feature}`);
    expect(fixtureGit(remote.path, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%B", "main")).toBe(
      "Grace Hopper <grace@example.test>|Grace Hopper <grace@example.test>|Merge the feature\n\nWith a body.",
    );
    expect(fixtureGit(remote.path, "ls-tree", "--name-only", "main")).toBe("feature.txt\nfile.txt\nmain.txt");
  });

  it("fetches a branch a shallow clone did not bring, deepening its history to merge", async () => {
    const remote = await bareRepo(await tempDir(), "app", 3);
    const feature = await pushCommit(remote.path, "feature", remote.commits[0] as string, {
      "feature.txt": "feature\n",
    });
    const { ctx, text } = await context();
    const outcome = await run(
      { steps: [{ op: "clone", url: remote.url, depth: 1 }, merge("origin/feature")] },
      ctx,
    );
    expect(outcome.error).toBeUndefined();
    expect(text()).toContain(
      "system: $ git fetch -- origin +refs/heads/feature:refs/remotes/origin/feature\n",
    );
    expect(text()).toContain("system: $ git fetch --unshallow -- origin\n");
    const head = outcome.output.head as string;
    const checkout = path.join(ctx.workdir, "repo");
    expect(fixtureGit(checkout, "log", "-1", "--format=%P", head)).toBe(`${remote.commits[2]} ${feature}`);
    expect(fixtureGit(checkout, "rev-parse", "--is-shallow-repository")).toBe("false");
    // Merged already: nothing changes.
    const again = await run(
      { steps: [{ op: "clone", url: remote.url }, merge(remote.commits[0] as string)] },
      (await context()).ctx,
    );
    expect(again.output.steps[1]?.commit).toBe(remote.commits[2]);
  });

  it("aborts a conflicting merge, naming the files, and leaves no merge in progress", async () => {
    const remote = await bareRepo(await tempDir(), "app");
    const base = remote.commits[1] as string;
    await pushCommit(remote.path, "feature", base, {
      "file.txt": "feature\n",
      "b.txt": "feature\n",
      "c.txt": "c\n",
    });
    const main = await pushCommit(remote.path, "main", base, { "file.txt": "main\n", "b.txt": "main\n" });
    const { ctx } = await context();
    const outcome = await run(
      { steps: [{ op: "clone", url: remote.url }, merge("origin/feature"), { op: "push" }] },
      ctx,
    );
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toBe(
      "steps[1] (merge) failed: merging origin/feature conflicts in: b.txt, file.txt",
    );
    expect(outcome.output).toEqual({
      steps: [{ op: "clone", durationMs: expect.any(Number), commit: main }],
      head: main,
      branch: "main",
    });
    const checkout = path.join(ctx.workdir, "repo");
    expect(existsSync(path.join(checkout, ".git", "MERGE_HEAD"))).toBe(false);
    expect(fixtureGit(checkout, "status", "--porcelain")).toBe("");
    expect(await readFile(path.join(checkout, "file.txt"), "utf8")).toBe("main\n");
    expect(revParse(remote.path, "refs/heads/main")).toBe(main);
  });

  it("with fastForwardOnly, fast-forwards and refuses a merge that needs a commit", async () => {
    const remote = await bareRepo(await tempDir(), "app");
    const base = remote.commits[1] as string;
    const feature = await pushCommit(remote.path, "feature", base, { "feature.txt": "feature\n" });
    const forward = await run(
      { steps: [{ op: "clone", url: remote.url }, merge("origin/feature", { fastForwardOnly: true })] },
      (await context()).ctx,
    );
    expect(forward.output.head).toBe(feature);

    const main = await pushCommit(remote.path, "main", base, { "main.txt": "main\n" });
    const refused = await run(
      { steps: [{ op: "clone", url: remote.url }, merge("origin/feature", { fastForwardOnly: true })] },
      (await context()).ctx,
    );
    expect(refused.status).toBe("failed");
    expect(refused.error).toBe(
      "steps[1] (merge) failed: merging origin/feature is not a fast-forward: the current branch has commits origin/feature does not (fastForwardOnly refuses a merge commit)",
    );
    expect(refused.output.head).toBe(main);
  });

  it("fails on a ref that names nothing, and rejects one that reads as an option", async () => {
    const remote = await bareRepo(await tempDir(), "app");
    const missing = await run(
      { steps: [{ op: "clone", url: remote.url }, merge("origin/no-such-branch")] },
      (await context()).ctx,
    );
    expect(missing.status).toBe("failed");
    expect(missing.error).toMatch(
      /^steps\[1\] \(merge\) failed: `git fetch` exited with 128: .*no-such-branch/,
    );
    const unknown = await run(
      { steps: [{ op: "clone", url: remote.url }, merge("nowhere")] },
      (await context()).ctx,
    );
    expect(unknown.error).toBe(
      "steps[1] (merge) failed: nowhere names no commit of the checkout: name a branch of a remote as <remote>/<branch> (e.g. origin/nowhere), a local branch, a tag or a commit",
    );

    for (const ref of ["--upload-pack=touch /tmp/x", "-Xtheirs", "--abort", "a..b", ""])
      expect(GitSpec.safeParse({ steps: [merge(ref)] }).success).toBe(false);
    expect(GitSpec.safeParse({ steps: [{ ...merge("main"), message: "" }] }).success).toBe(false);
    expect(GitSpec.safeParse({ steps: [{ ...merge("main"), extra: 1 }] }).success).toBe(false);
    expect(GitSpec.parse({ steps: [merge("origin/x")] }).steps[0]).toEqual({
      ...merge("origin/x"),
      fastForwardOnly: false,
    });
  });
});
