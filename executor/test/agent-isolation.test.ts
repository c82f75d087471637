/**
 * Agents in containers (`docker` and `sysbox` isolation) on a real Docker engine: the one answering
 * at DOCKER_HOST when it fits, else a private dockerd started for this file (support/docker-engine.ts;
 * these tests fail, saying why, rather than skip when none can be had). Agents run in an image
 * made of this host's Node, bash and Claude Code binaries (support/agent-image.ts): the custom
 * adapter runs the scripted agent; Claude Code runs for real against a loopback server speaking
 * the Messages API, on network `host` so that the container reaches 127.0.0.1.
 *
 * Sysbox cannot be installed here: the engine registers plain runc under the name `sysbox-runc`,
 * so what is proven is that `sysbox` isolation asks for that runtime (`HostConfig.Runtime`), and
 * that a second engine, started without it, refuses the job clearly.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { AgentSpec } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DockerEngine, dockerEngine } from "../src/containers/engine.ts";
import { containerName } from "../src/containers/labels.ts";
import { SECRETS_MOUNT, WRAPPER_MOUNT } from "../src/containers/secret-files.ts";
import type { Runner } from "../src/jobs/runner.ts";
import { agentRunner } from "../src/kinds/agent/runner.ts";
import { type AgentImage, ensureAgentImage, SCRIPTED_AGENT_IN_IMAGE } from "./support/agent-image.ts";
import { agentJobs } from "./support/agent-jobs.ts";
import {
  inspectContainer,
  jobContainerEvents,
  jobContainers,
  removeJobContainers,
  waitFor,
  waitRunning,
} from "./support/containers.ts";
import { ensureTestImage, type TestEngine, useDockerEngine } from "./support/docker-engine.ts";
import { claudeBinary, type FakeAnthropic, type Step, startFakeAnthropic } from "./support/fake-anthropic.ts";
import { removeTempDirs, tempDir } from "./support/temp.ts";

/** Every job id of this run starts with it (the containers left are found by it). */
const RUN = `ai${randomUUID().slice(0, 8)}`;
const CANARY = `sk-ant-canary-${randomUUID()}`;
const USER = `${process.getuid?.()}:${process.getgid?.()}`;

let engine: TestEngine;
let docker: DockerEngine;
let agentImage: AgentImage;
let busybox: string;
let cacheDir: string;
let fake: FakeAnthropic | undefined;
const savedDockerHost = process.env.DOCKER_HOST;

beforeAll(async () => {
  engine = await useDockerEngine({ sysboxRuntime: true });
  docker = engine.docker;
  // The runner under test is the registered one: it finds the engine through DOCKER_HOST.
  process.env.DOCKER_HOST = engine.host;
  agentImage = await ensureAgentImage(docker);
  busybox = await ensureTestImage(docker);
  cacheDir = await tempDir("co-agent-iso-cache-");
}, 180_000);

afterAll(async () => {
  await fake?.close();
  if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedDockerHost;
  const left = docker ? await removeJobContainers(docker, RUN) : [];
  await engine?.stop();
  await removeTempDirs();
  expect(left).toEqual([]);
}, 60_000);

const start = agentJobs(RUN, () => cacheDir);

const scripted = (spec: object = {}) => ({
  adapter: "custom",
  command: ["node", SCRIPTED_AGENT_IN_IMAGE],
  prompt: "write notes",
  isolation: "docker",
  container: { image: agentImage.image, network: "none" },
  ...spec,
});

describe("the custom agent in docker isolation", { timeout: 60_000 }, () => {
  it("runs in the job's container: image, labels, limits, user, same-path mounts; edits the checkout; removed", async () => {
    const since = Math.floor(Date.now() / 1000);
    // Longer than a pipe's buffer: the whole of it must come through the container's stdin.
    const prompt = `write notes ${"x".repeat(100_000)}`;
    const job = await start(
      scripted({
        prompt,
        workspace: "iso-a",
        apiKeySecret: "KEY",
        env: { AGENT_MODE: "hold" },
        container: { image: agentImage.image, network: "none", cpus: 0.5, memoryMb: 256, project: "demo" },
      }),
      { secrets: { KEY: CANARY } },
    );
    const root = path.join(cacheDir, "agent-workspaces", "iso-a");
    const [cwd, home] = [path.join(root, "checkout"), path.join(root, "home")];
    const scratch = path.join(job.ctx.workdir, "agent-scratch");
    const running = await waitRunning(docker, job.name);
    expect(running.Config).toMatchObject({
      Image: agentImage.image,
      Cmd: ["node", SCRIPTED_AGENT_IN_IMAGE],
      WorkingDir: cwd,
      User: USER,
      Labels: {
        "orchestrator.job": job.ctx.jobId,
        "orchestrator.attempt": "1",
        "orchestrator.project": "demo",
      },
    });
    // Not an orphan before its job's deadline has passed.
    expect(Number(running.Config.Labels["orchestrator.expires"])).toBeGreaterThan(job.ctx.deadlineAt / 1000);
    expect(running.Config.Env).toEqual(expect.arrayContaining([`HOME=${home}`, "PATH=/usr/local/bin:/bin"]));
    expect(running.HostConfig).toMatchObject({
      NanoCpus: 500_000_000,
      Memory: 256 * 1024 * 1024,
      NetworkMode: "none",
      Init: true,
    });
    const mounts = running.Mounts.map((m) => [m.Type, m.Destination, m.RW]);
    expect(mounts).toHaveLength(5);
    expect(mounts).toEqual(
      expect.arrayContaining([
        ...[cwd, home, scratch].map((dir) => ["bind", dir, true]),
        ["bind", SECRETS_MOUNT, false],
        ["bind", WRAPPER_MOUNT, false],
      ]),
    );
    for (const dir of [cwd, home, scratch])
      expect(running.Mounts.find((m) => m.Destination === dir)?.Source).toBe(dir);
    // The key is a file its wrapper exports: nowhere in what the engine shows (Env, argv, mounts…).
    expect(running.Config.Entrypoint).toEqual(["/bin/sh", WRAPPER_MOUNT]);
    expect(JSON.stringify(running)).not.toContain(CANARY);

    // From inside: the checkout as working directory, the executor's uid:gid; HOME is the host's.
    await waitFor("the agent to hold", async () => job.text("stdout").includes("holding in"));
    await writeFile(path.join(home, "release"), "");
    const result = await job.outcome;
    await rm(path.join(home, "release"));
    expect(result.status, result.error).toBe("succeeded");
    expect(result.output).toMatchObject({
      result: expect.stringMatching(/^done: write notes x+/),
      filesChanged: [{ path: "NOTES.md", change: "added" }],
    });
    expect((await readFile(path.join(cwd, "NOTES.md"), "utf8")) === `${prompt}\n`).toBe(true);
    expect(job.text("stdout")).toContain(`holding in ${cwd} as ${USER}\n`);
    expect(job.text("stderr")).toBe("given key ***\n");
    expect(job.text()).not.toContain(CANARY);
    expect(await inspectContainer(docker, job.name)).toBeNull();
    const actions = (await jobContainerEvents(docker, job.ctx.jobId, since)).map((event) => event.Action);
    expect(actions).toEqual(expect.arrayContaining(["create", "start", "die", "destroy"]));
  });

  it("cancel and the deadline stop and remove the container", async () => {
    const cancelled = await start(scripted({ env: { AGENT_MODE: "slow" } }));
    const timedOut = await start(scripted({ env: { AGENT_MODE: "slow" } }), {
      deadlineAt: Date.now() + 5_000,
    });
    await waitRunning(docker, cancelled.name);
    await waitRunning(docker, timedOut.name);
    cancelled.controller.abort();
    const [a, b] = await Promise.all([cancelled.outcome, timedOut.outcome]);
    expect(a).toMatchObject({ status: "cancelled", output: null });
    expect(b).toMatchObject({ status: "timed_out", output: null });
    expect(cancelled.text("system")).toContain("cancelled: stopping the container");
    expect(timedOut.text("system")).toContain("deadline reached: stopping the container");
    expect(await inspectContainer(docker, cancelled.name)).toBeNull();
    expect(await inspectContainer(docker, timedOut.name)).toBeNull();
  });

  it("fails clearly for an image not on the engine and for an image without the agent", async () => {
    const absent = await (
      await start(scripted({ container: { image: "co-test/absent:1", network: "none" } }))
    ).outcome;
    expect(absent.error).toContain(
      "image co-test/absent:1 is not on this executor's engine; build or pull it first",
    );
    const noClaude = await start({
      prompt: "x",
      isolation: "docker",
      container: { image: busybox, network: "none" },
    });
    expect((await noClaude.outcome).error).toMatch(
      new RegExp(`^could not start claude: .*; the image ${busybox} must have claude \\(on its PATH\\)$`),
    );
    expect(await inspectContainer(docker, noClaude.name)).toBeNull();
  });
});

describe("sysbox isolation", { timeout: 60_000 }, () => {
  it("asks the engine for the sysbox-runc runtime", async () => {
    const job = await start(scripted({ isolation: "sysbox", env: { AGENT_MODE: "slow" } }));
    // This engine has runc registered as `sysbox-runc` (see the file comment).
    expect((await waitRunning(docker, job.name)).HostConfig.Runtime).toBe("sysbox-runc");
    job.controller.abort();
    expect((await job.outcome).status).toBe("cancelled");
    expect(job.text("system")).toMatch(/runtime sysbox-runc/);
  });

  describe("on an engine without sysbox-runc", () => {
    let plain: TestEngine;
    let plainRunner: Runner<AgentSpec>;
    beforeAll(async () => {
      plain = await useDockerEngine({ sysboxRuntime: false });
      await ensureTestImage(plain.docker);
      plainRunner = agentRunner({ engine: () => dockerEngine(plain.host) });
    }, 120_000);
    afterAll(async () => {
      const left = plain ? await removeJobContainers(plain.docker, RUN) : [];
      await plain?.stop();
      expect(left).toEqual([]);
    }, 60_000);

    it("refuses the job before making its checkout, unless allowPlainDocker", async () => {
      const agent = {
        adapter: "custom",
        command: ["sh", "-c", `cat > /dev/null; echo '{"result":"ran"}'`],
        prompt: "x",
        isolation: "sysbox",
      };
      const refused = await start(
        { ...agent, container: { image: busybox, network: "none" } },
        {},
        plainRunner,
      );
      const result = await refused.outcome;
      expect(result.status).toBe("failed");
      expect(result.error).toMatch(
        /^isolation "sysbox" needs the sysbox-runc runtime \(Sysbox\), which this executor's Docker engine does not have/,
      );
      expect(result.error).toContain("allowPlainDocker");
      expect(existsSync(path.join(refused.ctx.workdir, "agent"))).toBe(false);

      const allowed = await start(
        { ...agent, container: { image: busybox, network: "none", allowPlainDocker: true } },
        {},
        plainRunner,
      );
      expect(await allowed.outcome).toMatchObject({ status: "succeeded", output: { result: "ran" } });
      expect(allowed.text("system")).toMatch(/sysbox-runc is not on this engine.*allowPlainDocker/);
      expect(allowed.text("system")).toContain("runtime default");
    });
  });
});

const claude = claudeBinary();
if (!claude)
  console.warn("agent-isolation.test.ts: Claude Code is not installed: its container test is skipped");

describe.skipIf(!claude)("Claude Code in docker isolation", { timeout: 120_000 }, () => {
  it("edits the checkout from inside the container; a second job resumes the session kept in HOME", async () => {
    const root = path.join(cacheDir, "agent-workspaces", "iso-claude");
    const cwd = path.join(root, "checkout");
    const steps: Step[] = [
      { tool: { name: "Write", input: { file_path: path.join(cwd, "hello.txt"), content: "hi\n" } } },
      // Only the image has this file: the command runs in the container, not on the host.
      {
        tool: {
          name: "Bash",
          input: { command: `test -e ${SCRIPTED_AGENT_IN_IMAGE} && echo image > where.txt` },
        },
      },
      { text: "Wrote hello.txt." },
    ];
    const jobId = `${RUN}-claude`;
    let running = null as Awaited<ReturnType<typeof inspectContainer>>;
    fake = await startFakeAnthropic(async (request) => {
      if ((request.tools ?? []).length === 0) return { text: "A title" };
      // While the agent waits for this answer, its container is surely running.
      running ??= await inspectContainer(docker, containerName(jobId));
      return steps.shift() ?? { text: "(no more steps)" };
    });
    const spec = {
      workspace: "iso-claude",
      baseUrl: fake.baseUrl,
      apiKeySecret: "ANTHROPIC_API_KEY",
      isolation: "docker",
      container: { image: agentImage.image, network: "host", memoryMb: 2048 },
    };
    const secrets = { secrets: { ANTHROPIC_API_KEY: CANARY } };
    const since = Math.floor(Date.now() / 1000);
    const first = await start({ ...spec, prompt: "Write hello.txt" }, { jobId, ...secrets });
    const result = await first.outcome;
    expect(result.status, result.error).toBe("succeeded");
    expect(result.output).toMatchObject({
      adapter: "claude-code",
      result: "Wrote hello.txt.",
      turns: 3,
      filesChanged: [
        { path: "hello.txt", change: "added" },
        { path: "where.txt", change: "added" },
      ],
    });
    expect(await readFile(path.join(cwd, "where.txt"), "utf8")).toBe("image\n");
    // Its turns, streamed out of the container, were the job's progress.
    expect(first.progress.map((p) => p.message)).toEqual([
      "claude-code: turn 1",
      "claude-code: turn 2",
      "claude-code: turn 3",
    ]);
    // The key is a file its wrapper exports, nowhere in what the engine shows (it reached the API).
    expect(running?.Config.Cmd.slice(0, 4)).toEqual(["claude", "-p", "--output-format", "stream-json"]);
    expect(JSON.stringify(running)).not.toContain(CANARY);
    expect((await jobContainerEvents(docker, first.ctx.jobId, since)).map((event) => event.Action)).toContain(
      "destroy",
    );
    const sessionId = result.output?.sessionId ?? "";
    const sessionFiles = await readdir(path.join(root, "home", ".claude"), { recursive: true });
    expect(sessionFiles.some((file) => file.endsWith(`${sessionId}.jsonl`))).toBe(true);

    steps.push({ text: "I wrote hello.txt" });
    const before = fake.requests.length;
    const second = await start({ ...spec, prompt: "What did you write?", resumeSession: sessionId }, secrets);
    const resumed = await second.outcome;
    expect(resumed.status, resumed.error).toBe("succeeded");
    expect(resumed.output).toMatchObject({ sessionId, result: "I wrote hello.txt" });
    const asked = fake.requests.slice(before).filter((r) => r.body.includes("What did you write?"));
    expect(asked.at(-1)?.body).toContain("Write hello.txt");

    // The key went to the model API, and into neither log.
    expect(fake.requests.some((r) => r.headers["x-api-key"] === CANARY)).toBe(true);
    expect(first.text() + second.text()).not.toContain(CANARY);
    expect(await jobContainers(docker, RUN)).toEqual([]);
  });
});
