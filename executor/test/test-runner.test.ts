/**
 * The `test` job kind with real processes: projects pushed to bare repositories, cloned by the
 * runner and tested with `node --test` (and `npm test` or `python3 -m unittest`, in projects
 * rendered from the built-in templates), as their manifest or the spec's command says.
 *
 * With `container`, on a real Docker engine: the one answering at DOCKER_HOST (or the default
 * socket) when it fits, else a private dockerd started for this file (support/docker-engine.ts:
 * like the other container tests, these fail saying why rather than skip when none can be had).
 * The setup step and the tests run in an image made of this host's Node, bash and busybox
 * (support/agent-image.ts: nothing is downloaded).
 */
import { randomUUID } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { TestResult, TestSpec } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DockerEngine, dockerEngine } from "../src/containers/engine.ts";
import { containerName } from "../src/containers/labels.ts";
import { SECRETS_MOUNT, WRAPPER_MOUNT } from "../src/containers/secret-files.ts";
import { maskingSecrets, type RunContext, type Runner } from "../src/jobs/runner.ts";
import { runTest, testRunner } from "../src/kinds/test/runner.ts";
import { render, writeTree } from "./scaffold/support.ts";
import { ensureAgentImage } from "./support/agent-image.ts";
import { inspectContainer, jobContainers, removeJobContainers, waitFor } from "./support/containers.ts";
import { type TestEngine, useDockerEngine } from "./support/docker-engine.ts";
import { publishedProject, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { runContext } from "./support/run-context.ts";

afterAll(removeTempDirs);

const manifest = (test: Record<string, unknown>) => JSON.stringify({ test });
const NODE_TEST = manifest({ command: ["node", "--test"] });

/** A bare repository whose main has one commit with `files` (or the files of `dir`). */
async function project(files: Record<string, string>, dir?: string) {
  return publishedProject(dir ?? (await writeTree(await tempDir("co-test-work-"), files)));
}

/** A job of the runner, as registered (the job's secrets masked in its log and error). */
async function run(
  spec: Record<string, unknown>,
  overrides: Partial<RunContext> = {},
  runner: Runner<TestSpec> = maskingSecrets(runTest),
) {
  const test = await runContext({ ...overrides }, "co-test-job-");
  const outcome = await runner(TestSpec.parse(spec), test.ctx);
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
    expect(missing.error).toContain('add orchestrator.json with "test": {"command": [...]}');
    expect(missing.error).toContain("a Makefile with a `test` target");

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

  it("without a manifest, runs the tests the conventions say: a Makefile's test target", async () => {
    const repo = await project({
      Makefile:
        "PYTHON ?= python3\n\ntest:\n\t$(PYTHON) -m unittest discover -s tests -v\n\nrun:\n\t$(PYTHON) app.py\n",
      "tests/test_sum.py": [
        "import unittest",
        "",
        "class SumTest(unittest.TestCase):",
        "    def test_adds(self):",
        "        self.assertEqual(1 + 1, 2)",
        "",
        "    def test_fails(self):",
        "        self.assertEqual(1 + 1, 3)",
        "",
      ].join("\n"),
    });
    const result = await run({ checkout: { url: repo.url } });
    expect(result.status, result.error).toBe("succeeded");
    expect(result.output).toMatchObject({
      passed: false,
      command: ["make", "test"],
      commandFrom: "Makefile: target `test`",
      counts: { total: 2, passed: 1, failed: 1, skipped: 0 },
      failures: ["test_fails (test_sum.SumTest.test_fails)"],
    });
    expect(result.text("system")).toContain("tests: make test (from Makefile: target `test`)\n");
    // The spec's command still wins, and says so.
    const given = await run({ checkout: { url: repo.url }, command: ["python3", "-c", "pass"] });
    expect(given.output).toMatchObject({ passed: true, commandFrom: "the job's spec" });
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

  it("never gives the project's code the password the checkout authenticates with", async () => {
    const repo = await project({
      "orchestrator.json": NODE_TEST,
      "test/env.test.js": `
        import { test } from "node:test";
        import assert from "node:assert/strict";
        test("sees its own secret, not the repository token", () => {
          assert.equal(process.env.GIT_TOKEN, undefined);
          assert.equal(process.env.API_TOKEN?.length, 12);
        });
      `,
    });
    // A file remote never asks for the password: the credentials only name the secret.
    const result = await run(
      { checkout: { url: repo.url, credentials: { passwordSecret: "GIT_TOKEN" } } },
      { secrets: { GIT_TOKEN: "ghs_repo_token_1", API_TOKEN: "api-token-12" } },
    );
    expect(result.status, result.output?.output).toBe("succeeded");
    expect(result.output?.passed, result.output?.output).toBe(true);
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

  it("tests a project rendered from the Python template as its manifest says (python3 -m unittest)", async () => {
    const templateRoot = path.resolve(import.meta.dirname, "../../templates/python-service");
    const { destination } = await render(
      {},
      { templateRoot, data: { project_name: "tested-py", modules: ["database", "telegram"] } },
    );
    const repo = await project({}, destination);
    const result = await run({ checkout: { url: repo.url } }, { deadlineAt: Date.now() + 60_000 });
    expect(result.error).toBeUndefined();
    expect(result.output).toMatchObject({
      passed: true,
      command: ["python3", "-m", "unittest", "discover", "--start-directory", "tests", "--verbose"],
      failures: [],
    });
    expect(result.output?.output).toMatch(/^Ran 10 tests in .*\n\nOK$/m);
    expect(result.output?.counts).toEqual({ total: 10, passed: 10, failed: 0, skipped: 0 });
  }, 60_000);
});

/** Every job id of the container tests starts with it (the containers left are found by it). */
const RUN = `tr${randomUUID().slice(0, 8)}`;
let jobs = 0;
const newJobId = () => `${RUN}-${++jobs}`;
const USER = `${process.getuid?.()}:${process.getgid?.()}`;

describe("test runner in a container", { timeout: 60_000 }, () => {
  let engine: TestEngine;
  let docker: DockerEngine;
  let image: string;
  let inContainer: Runner<TestSpec>;
  let hostServer: Server | undefined;

  beforeAll(async () => {
    engine = await useDockerEngine({});
    docker = engine.docker;
    image = (await ensureAgentImage(docker)).image;
    inContainer = maskingSecrets(testRunner({ engine: () => dockerEngine(engine.host) }));
  }, 180_000);

  afterAll(async () => {
    hostServer?.close();
    const left = docker ? await removeJobContainers(docker, RUN) : [];
    await engine?.stop();
    expect(left).toEqual([]);
  }, 60_000);

  /** A job of the container runner, with its own job id (and workdir, unless given). */
  const runIn = async (spec: Record<string, unknown>, overrides: Partial<RunContext> = {}) => {
    const jobId = overrides.jobId ?? newJobId();
    const container = { image, network: "none", ...(spec.container as object) };
    const result = await run({ ...spec, container }, { jobId, ...overrides }, inContainer);
    return { ...result, jobId, left: await jobContainers(docker, jobId) };
  };

  it("runs the setup and the tests in the image, the workdir mounted, with the job's environment", async () => {
    const repo = await project({
      "orchestrator.json": manifest({
        setup: ["sh", "-c", "echo ready > generated.txt"],
        command: ["node", "--test"],
      }),
      "test/ok.test.js": `
        import { test } from "node:test";
        import assert from "node:assert/strict";
        import { existsSync, readFileSync } from "node:fs";
        test("setup ran in the same checkout", () =>
          assert.equal(readFileSync("generated.txt", "utf8"), "ready\\n"));
        test("in the container", () => {
          assert.equal(process.cwd(), "/workspace/repo");
          assert.ok(existsSync("/usr/local/bin/node"));
          // PID 1 is the container's init, which started the tests.
          console.log("pid 1: " + readFileSync("/proc/1/cmdline", "utf8").split("\\0")[0]);
        });
        test("environment", () => {
          assert.equal(process.env.CI, "true");
          assert.equal(process.env.NODE_ENV, "test");
          assert.equal(process.env.GREETING, "hi");
          assert.equal(process.env.HOME, "/workspace/home");
          assert.equal(process.env.PATH, "/usr/local/bin:/bin");
        });
        test.skip("not yet", () => {});
      `,
    });
    const workdir = await tempDir("co-test-job-");
    const result = await runIn(
      { checkout: { url: repo.url, ref: "main" }, env: { GREETING: "hi" }, container: { network: "bridge" } },
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
      counts: { total: 4, passed: 3, failed: 0, skipped: 1 },
      failures: [],
      outputTruncated: false,
    });
    expect(result.output?.output).toContain("ℹ pass 3");
    const system = result.text("system");
    expect(system).toContain(`testing commit ${repo.commit}`);
    expect(system).toContain(`container ${containerName(result.jobId, "setup")} (`);
    expect(system).toContain(`container ${containerName(result.jobId, "tests")} (`);
    expect(system).toContain(`${image}, 2 CPU, 2048 MB, network bridge, user ${USER}`);
    expect(system.indexOf("$ sh -c")).toBeLessThan(system.indexOf("$ node --test"));
    expect(result.text("stdout")).toMatch(/pid 1: \S*docker-init\n/);
    // What the container wrote is in the host's checkout, the executor's.
    expect(statSync(path.join(workdir, "repo", "generated.txt")).uid).toBe(process.getuid?.());
    expect(result.left).toEqual([]);
  });

  it("failing tests in the container are a result, with the job's secret masked", async () => {
    const secret = `tok-${randomUUID()}`;
    const repo = await project({
      "orchestrator.json": NODE_TEST,
      "test/math.test.js": `
        import { describe, test } from "node:test";
        import assert from "node:assert/strict";
        test("adds", () => assert.equal(1 + 1, 2));
        describe("subtraction", () => {
          test("subtracts wrong", () => assert.equal(2 - 1, 3));
        });
        test("leaks", () => {
          console.log("token is " + process.env.API_TOKEN);
          assert.equal(process.env.API_TOKEN, "wrong");
        });
      `,
    });
    const result = await runIn({ checkout: { url: repo.url } }, { secrets: { API_TOKEN: secret } });
    expect(result.status).toBe("succeeded");
    expect(result.output).toMatchObject({
      commit: repo.commit,
      passed: false,
      exitCode: 1,
      counts: { total: 3, passed: 1, failed: 2, skipped: 0 },
      failures: ["subtracts wrong", "leaks"],
    });
    expect(result.output?.output).toContain("1 !== 3");
    expect(result.output?.output).toContain("token is ***");
    expect(JSON.stringify(result.output)).not.toContain(secret);
    expect(result.text()).not.toContain(secret);
    expect(result.text("stdout")).toContain("token is ***");
    expect(result.left).toEqual([]);
  });

  it("a failing setup step fails the job; a command not in the image fails it, saying so", async () => {
    const repo = await project({
      "orchestrator.json": manifest({
        setup: ["sh", "-c", "echo installing; echo 'npm ERR! missing: left-pad' >&2; exit 3"],
        command: ["node", "--test"],
      }),
    });
    const setup = await runIn({ checkout: { url: repo.url } });
    expect(setup.status).toBe("failed");
    expect(setup.output).toBeNull();
    expect(setup.error).toMatch(/^the setup step failed: `sh -c .*` exited with 3; its output ended with:\n/);
    // stdout and stderr come through the engine separately: both are there, in either order.
    expect(setup.error).toContain("\ninstalling");
    expect(setup.error).toContain("\nnpm ERR! missing: left-pad");
    // The tests never ran.
    expect(setup.text("system")).not.toContain(containerName(setup.jobId, "tests"));
    expect(setup.left).toEqual([]);

    const bare = await project({ "README.md": "no manifest\n" });
    // Said by Docker's init, or, with secrets, by their wrapper (which the init starts).
    const withAndWithoutSecrets: Record<string, string>[] = [{}, { API_TOKEN: `tok-${randomUUID()}` }];
    for (const secrets of withAndWithoutSecrets) {
      const missing = await runIn(
        { checkout: { url: bare.url }, command: ["no-such-test-runner"] },
        { secrets },
      );
      expect(missing.status).toBe("failed");
      expect(missing.error).toMatch(
        /^Could not start `no-such-test-runner`: exec no-such-test-runner failed: .*\(is it installed in the image co-test\/agent:\w+, on its PATH\?\)$/,
      );
      expect(missing.left).toEqual([]);
    }
  });

  it("fails before the checkout when the image is not on the engine, or no engine answers", async () => {
    const repo = await project({ "orchestrator.json": NODE_TEST });
    const absent = await runIn({ checkout: { url: repo.url }, container: { image: "co-test/absent:1" } });
    expect(absent.status).toBe("failed");
    expect(absent.error).toMatch(
      /^image co-test\/absent:1 is not on this executor's engine; build or pull it first \(.*No such image/i,
    );
    expect(absent.text("system")).not.toContain("testing commit");
    expect(absent.left).toEqual([]);

    const nowhere = testRunner({ engine: () => dockerEngine("unix:///nonexistent/docker.sock") });
    const unanswered = await run({ checkout: { url: repo.url }, container: { image } }, {}, nowhere);
    expect(unanswered.status).toBe("failed");
    expect(unanswered.error).toMatch(
      /^The Docker engine at unix:\/\/\/nonexistent\/docker.sock does not answer/,
    );
  });

  it("cancel stops the tests' container and leaves none behind", async () => {
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
    const jobId = newJobId();
    const pending = runIn({ checkout: { url: repo.url } }, { jobId, workdir, signal: controller.signal });
    const name = containerName(jobId, "tests");
    await waitFor("the tests to start", async () => existsSync(path.join(workdir, "repo", "started")));
    expect((await inspectContainer(docker, name))?.State.Running).toBe(true);
    const at = Date.now();
    controller.abort();
    const result = await pending;
    expect(result.status).toBe("cancelled");
    expect(result.output?.passed).toBe(false);
    expect(Date.now() - at).toBeLessThan(10_000);
    expect(result.text("system")).toContain("cancelled: stopping the container");
    expect(await inspectContainer(docker, name)).toBeNull();
    expect(result.left).toEqual([]);
  });

  it("honours network none and the limits: only loopback, the host unreachable (inspected while it runs)", async () => {
    hostServer = createServer((_request, response) => response.end("host"));
    await new Promise<void>((resolve) => hostServer?.listen(0, "127.0.0.1", resolve));
    const port = (hostServer.address() as AddressInfo).port;
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("host");
    const repo = await project({
      "orchestrator.json": NODE_TEST,
      "test/offline.test.js": `
        import { test } from "node:test";
        import assert from "node:assert/strict";
        import { existsSync, readdirSync, writeFileSync } from "node:fs";
        test("offline", async () => {
          assert.deepEqual(readdirSync("/sys/class/net"), ["lo"]);
          await assert.rejects(
            fetch("http://127.0.0.1:" + process.env.HOST_PORT + "/", { signal: AbortSignal.timeout(3000) }),
          );
          writeFileSync("seen-token", process.env.API_TOKEN ?? "");
          writeFileSync("holding", "");
          for (let i = 0; i < 400 && !existsSync("release"); i++) await new Promise((r) => setTimeout(r, 50));
          assert.ok(existsSync("release"), "released");
        });
      `,
    });
    const workdir = await tempDir("co-test-job-");
    const jobId = newJobId();
    const token = `tok-${randomUUID()}`;
    const pending = runIn(
      {
        checkout: { url: repo.url },
        env: { HOST_PORT: String(port) },
        container: { network: "none", cpus: 0.5, memoryMb: 256, project: "demo" },
      },
      { jobId, workdir, secrets: { API_TOKEN: token } },
    );
    const checkout = path.join(workdir, "repo");
    await waitFor("the tests to hold", async () => existsSync(path.join(checkout, "holding")));
    const running = await inspectContainer(docker, containerName(jobId, "tests"));
    await writeFile(path.join(checkout, "release"), "");
    expect(running?.HostConfig).toMatchObject({
      NetworkMode: "none",
      NanoCpus: 500_000_000,
      Memory: 256 * 1024 * 1024,
      Init: true,
    });
    expect(running?.Config).toMatchObject({
      Image: image,
      Cmd: ["node", "--test"],
      WorkingDir: "/workspace/repo",
      User: USER,
      Labels: { "orchestrator.job": jobId, "orchestrator.attempt": "1", "orchestrator.project": "demo" },
    });
    expect(running?.Config.Env).toEqual(
      expect.arrayContaining(["CI=true", "NODE_ENV=test", "HOME=/workspace/home"]),
    );
    expect(running?.Config.Env).not.toContain(`PATH=${process.env.PATH}`);
    // The secret is a read-only file the wrapper exports: nowhere in what the engine shows.
    expect(JSON.stringify(running)).not.toContain(token);
    expect(running?.Config.Entrypoint).toEqual(["/bin/sh", WRAPPER_MOUNT]);
    const mounts = running?.Mounts.map((m) => [m.Type, m.Destination, m.RW]);
    expect(mounts).toHaveLength(3);
    expect(mounts).toEqual(
      expect.arrayContaining([
        ["bind", "/workspace", true],
        ["bind", SECRETS_MOUNT, false],
        ["bind", WRAPPER_MOUNT, false],
      ]),
    );
    expect(running?.Mounts.find((m) => m.Destination === "/workspace")?.Source).toBe(workdir);
    const result = await pending;
    expect(await readFile(path.join(checkout, "seen-token"), "utf8")).toBe(token);
    expect(result.error).toBeUndefined();
    expect(result.output).toMatchObject({ passed: true, counts: { passed: 1, failed: 0 } });
    expect(result.text("system")).toContain("0.5 CPU, 256 MB, network none");
    expect(result.left).toEqual([]);
  });
});
