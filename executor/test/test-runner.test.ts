/**
 * The `test` job kind with real processes: projects pushed to bare repositories, cloned by the
 * runner and tested with `node --test` (and `npm test`, in a project rendered from the default
 * template), as their manifest or the spec's command says.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { TestResult, TestSpec } from "@codegen-orchestrator/shared";
import { afterAll, describe, expect, it } from "vitest";
import type { RunContext } from "../src/runners/runner.ts";
import { runTest } from "../src/runners/test.ts";
import { render, writeTree } from "./scaffold/support.ts";
import { bareRepo, fixtureGit, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { runContext } from "./support/run-context.ts";

afterAll(removeTempDirs);

const manifest = (test: Record<string, unknown>) => JSON.stringify({ test });
const NODE_TEST = manifest({ command: ["node", "--test"] });

/** A bare repository whose main has one commit with `files` (or the files of `dir`). */
async function project(files: Record<string, string>, dir?: string) {
  const repo = await bareRepo(await tempDir("co-test-remote-"), "project", 0);
  const work = dir ?? (await writeTree(await tempDir("co-test-work-"), files));
  fixtureGit(work, "init", "--quiet", "--initial-branch=main");
  fixtureGit(work, "add", "--all");
  fixtureGit(work, "commit", "--quiet", "-m", "the project");
  fixtureGit(work, "push", "--quiet", repo.path, "main");
  return { url: repo.url, commit: fixtureGit(work, "rev-parse", "HEAD") };
}

async function run(spec: Record<string, unknown>, overrides: Partial<RunContext> = {}) {
  const test = await runContext({ ...overrides }, "co-test-job-");
  const outcome = await runTest(TestSpec.parse(spec), test.ctx);
  const output = outcome.output === undefined ? null : TestResult.parse(outcome.output);
  return { ...outcome, output, text: test.text, ctx: test.ctx };
}

describe("test runner", () => {
  it("runs the manifest's setup and tests at the pushed commit, with the job's environment", async () => {
    const repo = await project({
      "orchestrator.json": manifest({
        setup: ["sh", "-c", "echo ready > generated.txt"],
        command: ["node", "--test"],
      }),
      "test/ok.test.js": `
        import { test } from "node:test";
        import assert from "node:assert/strict";
        import { readFileSync } from "node:fs";
        test("setup ran", () => assert.equal(readFileSync("generated.txt", "utf8"), "ready\\n"));
        test("environment", () => {
          assert.equal(process.env.CI, "true");
          assert.equal(process.env.NODE_ENV, "test");
          assert.equal(process.env.GREETING, "hi");
          assert.ok(process.env.HOME.startsWith(process.env.WORKDIR));
        });
        test.skip("not yet", () => {});
      `,
    });
    const workdir = await tempDir("co-test-job-");
    const result = await run(
      { checkout: { url: repo.url, ref: "main" }, env: { GREETING: "hi", WORKDIR: workdir } },
      { workdir },
    );
    expect(result.error).toBeUndefined();
    expect(result.status).toBe("succeeded");
    expect(result.output).toMatchObject({
      commit: repo.commit,
      command: ["node", "--test"],
      passed: true,
      exitCode: 0,
      signal: null,
      counts: { total: 3, passed: 2, failed: 0, skipped: 1 },
      failures: [],
      outputTruncated: false,
    });
    expect(result.output?.output).toContain("ℹ pass 2");
    expect(result.text("system")).toContain(`testing commit ${repo.commit}`);
    expect(result.text("system")).toContain("$ node --test");
    expect(result.text("stdout")).toContain("✔ setup ran");
  });

  it("failing tests are a result: the job succeeds with passed false and the failing leaf tests", async () => {
    const repo = await project({
      "orchestrator.json": NODE_TEST,
      "test/math.test.js": `
        import { describe, test } from "node:test";
        import assert from "node:assert/strict";
        test("adds", () => assert.equal(1 + 1, 2));
        describe("subtraction", () => {
          test("subtracts wrong", () => assert.equal(2 - 1, 3));
        });
      `,
    });
    const result = await run({ checkout: { url: repo.url } });
    expect(result.status).toBe("succeeded");
    expect(result.output).toMatchObject({
      commit: repo.commit,
      passed: false,
      exitCode: 1,
      counts: { total: 2, passed: 1, failed: 1, skipped: 0 },
      failures: ["subtracts wrong"],
    });
    expect(result.output?.output).toContain("1 !== 3");
  });

  it("keeps only the end of a long output", async () => {
    const repo = await project({
      "orchestrator.json": NODE_TEST,
      "test/loud.test.js": `
        import { test } from "node:test";
        test("loud", () => { for (let i = 0; i < 2000; i++) console.log(String(i).padStart(50, ".")); });
      `,
    });
    const result = await run({ checkout: { url: repo.url }, outputLimit: 2048 });
    expect(result.output?.passed).toBe(true);
    expect(result.output?.output.length).toBeLessThanOrEqual(2048);
    expect(result.output?.outputTruncated).toBe(true);
    expect(result.output?.output).toContain("ℹ duration_ms");
    expect(result.output?.counts).toEqual({ total: 1, passed: 1, failed: 0, skipped: 0 });
    // The whole output still went to the log.
    expect(result.text("stdout").length).toBeGreaterThan(100_000);
  });

  it("the spec's command runs without a manifest", async () => {
    const repo = await project({
      "test/ok.test.js": `import { test } from "node:test";\ntest("fine", () => {});\n`,
    });
    const result = await run({ checkout: { url: repo.url }, command: ["node", "--test"] });
    expect(result.status).toBe("succeeded");
    expect(result.output).toMatchObject({ passed: true, command: ["node", "--test"] });
  });

  it("fails when the tests cannot run: no manifest, an invalid one, no checkout, a missing command", async () => {
    const bare = await project({ "README.md": "no manifest\n" });
    const missing = await run({ checkout: { url: bare.url } });
    expect(missing.status).toBe("failed");
    expect(missing.output).toBeNull();
    expect(missing.error).toContain("no orchestrator.json at its root");
    expect(missing.error).toContain('{ "test": {');

    const invalid = await run({
      checkout: { url: (await project({ "orchestrator.json": '{ "test": {} }' })).url },
    });
    expect(invalid.status).toBe("failed");
    expect(invalid.error).toMatch(/^orchestrator\.json does not fit: test\.command: .*; expected \{ "test"/);
    const notJson = await run({ checkout: { url: (await project({ "orchestrator.json": "{ test" })).url } });
    expect(notJson.error).toMatch(/^orchestrator\.json is not valid JSON/);

    const noRepo = await run({ checkout: { url: `file://${await tempDir("co-test-none-")}/nothing.git` } });
    expect(noRepo.status).toBe("failed");
    expect(noRepo.error).toMatch(/^could not check out file:\/\/.*: `git clone` exited with 128/);

    const noCommand = await run({ checkout: { url: bare.url }, command: ["no-such-test-runner"] });
    expect(noCommand.status).toBe("failed");
    expect(noCommand.error).toMatch(/Could not start `no-such-test-runner`.*ENOENT.*executor's PATH/);
  });

  it("a failing setup step fails the job with the end of its output", async () => {
    const repo = await project({
      "orchestrator.json": manifest({
        setup: ["sh", "-c", "echo installing; echo 'npm ERR! missing: left-pad' >&2; exit 3"],
        command: ["node", "--test"],
      }),
    });
    const result = await run({ checkout: { url: repo.url } });
    expect(result.status).toBe("failed");
    expect(result.error).toMatch(
      /^the setup step failed: `sh -c .*` exited with 3; its output ended with:\n/,
    );
    expect(result.error).toContain("installing\nnpm ERR! missing: left-pad");
  });

  it("cancel stops the tests", async () => {
    const repo = await project({
      "orchestrator.json": NODE_TEST,
      "test/slow.test.js": `
        import { test } from "node:test";
        import { writeFileSync } from "node:fs";
        test("hangs", async () => {
          writeFileSync("started", "");
          await new Promise((resolve) => setTimeout(resolve, 60_000));
        });
      `,
    });
    const controller = new AbortController();
    const workdir = await tempDir("co-test-job-");
    const pending = run({ checkout: { url: repo.url } }, { workdir, signal: controller.signal });
    const started = path.join(workdir, "repo", "started");
    for (let i = 0; i < 500 && !existsSync(started); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(started)).toBe(true);
    const at = Date.now();
    controller.abort();
    const result = await pending;
    expect(result.status).toBe("cancelled");
    expect(result.output?.passed).toBe(false);
    expect(Date.now() - at).toBeLessThan(5_000);
  });

  it("masks the job's secrets in the output and the log", async () => {
    const secret = "tok-5ecr3t-9f2c";
    const repo = await project({
      "orchestrator.json": NODE_TEST,
      "test/leak.test.js": `
        import { test } from "node:test";
        import assert from "node:assert/strict";
        test("leaks", () => {
          console.log("token is " + process.env.API_TOKEN);
          assert.equal(process.env.API_TOKEN, "wrong");
        });
      `,
    });
    const result = await run({ checkout: { url: repo.url } }, { secrets: { API_TOKEN: secret } });
    expect(result.output?.passed).toBe(false);
    expect(result.output?.output).toContain("token is ***");
    expect(JSON.stringify(result.output)).not.toContain(secret);
    expect(result.text()).not.toContain(secret);
  });

  it("tests a project rendered from the default template as its manifest says (npm test)", async () => {
    const templateRoot = path.resolve(import.meta.dirname, "../../templates/node-service");
    const { destination } = await render({}, { templateRoot, data: { project_name: "tested-api" } });
    const repo = await project({}, destination);
    const result = await run({ checkout: { url: repo.url } }, { deadlineAt: Date.now() + 60_000 });
    expect(result.error).toBeUndefined();
    expect(result.output).toMatchObject({ passed: true, command: ["npm", "test"], failures: [] });
    expect(result.output?.counts?.failed).toBe(0);
    expect(result.output?.counts?.passed).toBeGreaterThan(0);
  }, 60_000);
});
