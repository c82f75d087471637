/**
 * The `container` job kind against a real Docker engine: the one answering at DOCKER_HOST (or the
 * default socket) when it fits, else a private dockerd started for this file (see
 * support/docker-engine.ts; it fails, saying why, when it cannot be started: these tests never
 * skip). Containers run `co-test/busybox:1`, imported from busybox-static.
 *
 * Sysbox cannot be installed here, so the engine is started with plain runc registered under the
 * name `sysbox-runc`: that `dockerInside` asks for Sysbox is proven by the created container's
 * `HostConfig.Runtime`, and the refusal by a second engine started without that runtime.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { ContainerResult, ContainerSpec } from "@codegen-orchestrator/shared";
import type Docker from "dockerode";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isRunning } from "../../test/support/processes.ts";
import { type DockerEngine, dockerEngine } from "../src/containers/engine.ts";
import { containerName, jobLabels } from "../src/containers/labels.ts";
import { SECRETS_MOUNT, WRAPPER_MOUNT } from "../src/containers/secret-files.ts";
import { sweepOrphanContainers } from "../src/containers/sweep.ts";
import type { RunContext, Runner } from "../src/jobs/runner.ts";
import { containerRunner } from "../src/kinds/container/runner.ts";
import { runners } from "../src/kinds/index.ts";
import { inspectContainer, WAIT_MS, waitFor, waitRunning as waitRunningOn } from "./support/containers.ts";
import { ensureTestImage, type TestEngine, useDockerEngine } from "./support/docker-engine.ts";
import { runContext } from "./support/run-context.ts";
import { removeTempDirs, tempDir } from "./support/temp.ts";

/** Every job id and hand-made container of this run starts with it (cleanup finds them by it). */
const RUN = `ct${randomUUID().slice(0, 8)}`;
let jobs = 0;
const newJobId = () => `${RUN}-${++jobs}`;
const CANARY = `canary-${randomUUID()}`;

let engine: TestEngine;
let docker: DockerEngine;
let image: string;
const savedDockerHost = process.env.DOCKER_HOST;

beforeAll(async () => {
  engine = await useDockerEngine({ sysboxRuntime: true });
  docker = engine.docker;
  // The runner under test is the registered one: it finds the engine through DOCKER_HOST.
  process.env.DOCKER_HOST = engine.host;
  image = await ensureTestImage(docker);
}, 120_000);

afterEach(async () => {
  if (docker) await removeOurContainers(docker);
});

afterAll(async () => {
  if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedDockerHost;
  if (docker) expect(await ourContainers(docker)).toEqual([]);
  await engine?.stop();
  if (engine?.pid) expect(isRunning(engine.pid)).toBe(false);
  await removeTempDirs();
}, 60_000);

async function ourContainers(on: DockerEngine): Promise<Docker.ContainerInfo[]> {
  const all = await on.listContainers({ all: true });
  return all.filter((c) =>
    c.Names.some((name) => name.startsWith(`/co-job-${RUN}`) || name.startsWith(`/${RUN}`)),
  );
}

async function removeOurContainers(on: DockerEngine): Promise<void> {
  for (const c of await ourContainers(on)) await on.getContainer(c.Id).remove({ force: true });
}

const inspectByName = (name: string, on = docker) => inspectContainer(on, name);
const waitRunning = (name: string, on = docker) => waitRunningOn(on, name);

/** Starts a job (with the registered runner unless told); `outcome` settles when the runner returns. */
async function start(
  spec: unknown,
  overrides: Partial<RunContext> = {},
  runner: Runner<ContainerSpec> = runners.container,
) {
  const controller = new AbortController();
  const test = await runContext({
    jobId: newJobId(),
    workdir: await tempDir("co-container-job-"),
    signal: controller.signal,
    ...overrides,
  });
  const outcome = runner(ContainerSpec.parse({ image, ...(spec as object) }), test.ctx).then((result) => ({
    ...result,
    output: result.output === undefined ? undefined : ContainerResult.parse(result.output),
  }));
  return { ...test, controller, name: containerName(test.ctx.jobId), outcome };
}

const run = async (spec: unknown, overrides: Partial<RunContext> = {}, runner?: Runner<ContainerSpec>) => {
  const job = await start(spec, overrides, runner);
  return { ...job, result: await job.outcome };
};

/** A command that waits for a stop and exits on SIGTERM at once (sh as PID 1 ignores it otherwise). */
const waitForStop = (before = "") => ["sh", "-c", `trap 'exit 0' TERM; ${before} sleep 300 & wait`];

describe("container runner", { timeout: 60_000 }, () => {
  it("runs a command, streams stdout and stderr to the log, records the exit code, removes the container", async () => {
    const ok = await run({ command: ["sh", "-c", "echo out; echo err >&2"] });
    expect(ok.result).toMatchObject({
      status: "succeeded",
      output: { containerName: ok.name, exitCode: 0, oomKilled: false, runtime: "runc" },
    });
    expect(ok.result.output?.containerId).toMatch(/^[0-9a-f]{64}$/);
    expect(ok.text("stdout")).toBe("out\n");
    expect(ok.text("stderr")).toBe("err\n");
    expect(ok.text("system")).toContain(`container ${ok.name}`);
    expect(await inspectByName(ok.name)).toBeNull();

    const failing = await run({ command: ["sh", "-c", "echo partial; exit 7"] });
    expect(failing.result).toMatchObject({
      status: "failed",
      error: "Exited with 7",
      output: { exitCode: 7 },
    });
    expect(failing.text("stdout")).toBe("partial\n");
    expect(await inspectByName(failing.name)).toBeNull();
  });

  it("applies CPU and memory limits, network, labels and the workdir mount (inspected while it runs)", async () => {
    const before = Math.floor(Date.now() / 1000);
    const job = await start({
      command: waitForStop("pwd > from-container.txt; echo $GREETING >> from-container.txt;"),
      env: { GREETING: "hello" },
      cpus: 0.5,
      memoryMb: 64,
      network: "host",
      project: "demo-project",
      ttlSeconds: 600,
      mountPath: "/srv/job",
    });
    const running = await waitRunning(job.name);
    expect(running.HostConfig.NanoCpus).toBe(500_000_000);
    expect(running.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(running.HostConfig.NetworkMode).toBe("host");
    expect(running.Config.WorkingDir).toBe("/srv/job");
    expect(running.Config.Env).toContain("GREETING=hello");
    const labels = running.Config.Labels;
    expect(labels).toMatchObject({
      "orchestrator.job": job.ctx.jobId,
      "orchestrator.attempt": "1",
      "orchestrator.project": "demo-project",
    });
    const expires = Number(labels["orchestrator.expires"]);
    expect(expires).toBeGreaterThanOrEqual(before + 600);
    expect(expires).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 600);
    expect(running.Mounts).toEqual([
      expect.objectContaining({ Type: "bind", Source: job.ctx.workdir, Destination: "/srv/job", RW: true }),
    ]);
    const written = await waitFor("the file the container writes", () =>
      readFile(`${job.ctx.workdir}/from-container.txt`, "utf8").then(
        (text) => (text.split("\n").length > 2 ? text : null),
        () => null,
      ),
    );
    expect(written).toBe("/srv/job\nhello\n");

    job.controller.abort();
    expect((await job.outcome).status).toBe("cancelled");
    expect(await inspectByName(job.name)).toBeNull();
  });

  it("defaults to network none, 1 CPU and 512 MB", async () => {
    const job = await start({ command: waitForStop() });
    const running = await waitRunning(job.name);
    expect(running.HostConfig).toMatchObject({
      NetworkMode: "none",
      NanoCpus: 1e9,
      Memory: 512 * 1024 * 1024,
    });
    expect(running.Config.Labels).not.toHaveProperty("orchestrator.project");
    job.controller.abort();
    expect((await job.outcome).status).toBe("cancelled");
  });

  it("reports a container killed for memory as oomKilled", async () => {
    const { result } = await run({ command: ["sh", "-c", "x=a; while :; do x=$x$x; done"], memoryMb: 16 });
    expect(result).toMatchObject({ status: "failed", output: { oomKilled: true, exitCode: 137 } });
    expect(result.error).toContain("out of memory");
  });

  it("asks for the sysbox-runc runtime when dockerInside", async () => {
    const job = await start({ command: waitForStop(), dockerInside: true });
    // The engine has runc registered as `sysbox-runc` (see the file comment): the runtime the
    // container was created with is the one the runner asked for.
    const running = await waitRunning(job.name);
    expect(running.HostConfig.Runtime).toBe("sysbox-runc");
    job.controller.abort();
    const result = await job.outcome;
    expect(result).toMatchObject({ status: "cancelled", output: { runtime: "sysbox-runc" } });
  });

  describe("on an engine without sysbox-runc", () => {
    let plain: TestEngine;
    let plainRunner: Runner<ContainerSpec>;
    beforeAll(async () => {
      plain = await useDockerEngine({ sysboxRuntime: false });
      await ensureTestImage(plain.docker);
      plainRunner = containerRunner({ engine: () => dockerEngine(plain.host) });
    }, 120_000);
    afterAll(async () => {
      if (plain) await removeOurContainers(plain.docker);
      await plain?.stop();
      if (plain?.pid) expect(isRunning(plain.pid)).toBe(false);
    }, 60_000);

    it("refuses dockerInside, creating nothing, unless allowPlainDocker", async () => {
      const refused = await run({ command: ["true"], dockerInside: true }, {}, plainRunner);
      expect(refused.result.status).toBe("failed");
      expect(refused.result.error).toMatch(/dockerInside needs the sysbox-runc runtime/);
      expect(refused.result.error).toContain("allowPlainDocker");
      expect(refused.result.output).toBeUndefined();
      expect(await ourContainers(plain.docker)).toEqual([]);

      const allowed = await start(
        { command: waitForStop(), dockerInside: true, allowPlainDocker: true },
        {},
        plainRunner,
      );
      const running = await waitRunning(allowed.name, plain.docker);
      expect(running.HostConfig.Runtime).toBe("runc");
      allowed.controller.abort();
      expect(await allowed.outcome).toMatchObject({ status: "cancelled", output: { runtime: "runc" } });
      expect(allowed.text("system")).toMatch(/sysbox-runc is not on this engine.*allowPlainDocker/);
    });
  });

  it("passes secretEnv to the process, masked in the log and absent from the result", async () => {
    const job = await run(
      {
        command: [
          "sh",
          "-c",
          'echo "$TOKEN" > seen.txt; echo "stdout has $TOKEN"; echo "stderr has $TOKEN" >&2',
        ],
        secretEnv: { TOKEN: "DEPLOY_TOKEN" },
      },
      { secrets: { DEPLOY_TOKEN: CANARY } },
    );
    expect(job.result.status).toBe("succeeded");
    expect(await readFile(`${job.ctx.workdir}/seen.txt`, "utf8")).toBe(`${CANARY}\n`);
    expect(job.text("stdout")).toBe("stdout has ***\n");
    expect(job.text("stderr")).toBe("stderr has ***\n");
    expect(job.text()).not.toContain(CANARY);
    expect(JSON.stringify(job.result)).not.toContain(CANARY);
  });

  it("gives secrets as read-only files the command sees as variables, never in what the engine shows", async () => {
    const key = `-----BEGIN TEST KEY-----\n${CANARY}-key\n-----END TEST KEY-----\n`;
    const command = waitForStop(
      'printf %s "$TOKEN" > token.txt; printf %s "$KEY" > key.txt; echo "$PLAIN" > plain.txt;',
    );
    const job = await start(
      {
        command,
        env: { PLAIN: "visible" },
        secretEnv: { TOKEN: "DEPLOY_TOKEN", KEY: "SSH_KEY" },
      },
      { secrets: { DEPLOY_TOKEN: CANARY, SSH_KEY: key } },
    );
    const running = await waitRunning(job.name);
    // Everything the engine API tells of it: Env, Cmd, Entrypoint, Labels, Mounts, Args…
    expect(JSON.stringify(running)).not.toContain(CANARY);
    expect(running.Config.Env).toContain("PLAIN=visible");
    expect(running.Config.Env.some((entry) => /^(TOKEN|KEY)=/.test(entry))).toBe(false);
    expect(running.Config.Entrypoint).toEqual(["/bin/sh", WRAPPER_MOUNT]);
    expect(running.Config.Cmd).toEqual(command);
    const secrets = running.Mounts.find((m) => m.Destination === SECRETS_MOUNT);
    const wrapper = running.Mounts.find((m) => m.Destination === WRAPPER_MOUNT);
    expect(secrets).toMatchObject({ Type: "bind", RW: false });
    expect(wrapper).toMatchObject({ Type: "bind", RW: false });
    // On the host: a private directory beside the workdir (not in it: that is mounted), 0400 files.
    const dir = path.dirname(secrets?.Source ?? "");
    expect(path.dirname(dir)).toBe(path.dirname(job.ctx.workdir));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(secrets?.Source ?? "")).mode & 0o777).toBe(0o700);
    expect((await readdir(secrets?.Source ?? "")).sort()).toEqual(["KEY", "TOKEN"]);
    expect((await stat(path.join(secrets?.Source ?? "", "TOKEN"))).mode & 0o777).toBe(0o400);
    expect(await readFile(wrapper?.Source ?? "", "utf8")).not.toContain(CANARY);

    // The command saw both, byte for byte (the key's trailing newline too).
    const seen = (file: string) => readFile(path.join(job.ctx.workdir, file), "utf8").catch(() => null);
    await waitFor("the command to write what it saw", async () => (await seen("plain.txt")) !== null);
    expect(await seen("token.txt")).toBe(CANARY);
    expect(await seen("key.txt")).toBe(key);
    expect(await seen("plain.txt")).toBe("visible\n");
    job.controller.abort();
    expect((await job.outcome).status).toBe("cancelled");
    expect(await inspectByName(job.name)).toBeNull();
    expect(existsSync(dir)).toBe(false);
  });

  it("fails a job whose secret is missing before creating anything", async () => {
    const job = await run(
      { command: ["true"], secretEnv: { TOKEN: "NO_SUCH_SECRET" } },
      { secrets: { OTHER: CANARY } },
    );
    expect(job.result).toEqual({
      status: "failed",
      output: undefined,
      error: "the job has no secret named NO_SUCH_SECRET (for TOKEN)",
    });
    expect(job.logs).toEqual([]);
    expect(await ourContainers(docker)).toEqual([]);
  });

  it("stops and removes the container on cancel (cancelled) and at the deadline (timed_out)", async () => {
    // `sleep` as PID 1 ignores SIGTERM: both are killed after the grace period.
    const cancelled = await start({ command: ["sleep", "300"] });
    const timedOut = await start({ command: ["sleep", "300"] }, { deadlineAt: Date.now() + 2_500 });
    await waitRunning(cancelled.name);
    await waitRunning(timedOut.name);
    const stoppedAt = Date.now();
    cancelled.controller.abort();
    const [a, b] = await Promise.all([cancelled.outcome, timedOut.outcome]);
    expect(Date.now() - stoppedAt).toBeLessThan(WAIT_MS);
    expect(a).toMatchObject({ status: "cancelled", output: { exitCode: 137 } });
    expect(b).toMatchObject({ status: "timed_out", output: { exitCode: 137 } });
    expect(cancelled.text("system")).toContain("cancelled: stopping the container");
    expect(timedOut.text("system")).toContain("deadline reached: stopping the container");
    expect(await inspectByName(cancelled.name)).toBeNull();
    expect(await inspectByName(timedOut.name)).toBeNull();
  });

  it("a job cancelled before it starts creates nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    const job = await run({ command: ["true"] }, { signal: controller.signal });
    expect(job.result).toEqual({ status: "cancelled", output: undefined });
    expect(await inspectByName(job.name)).toBeNull();
  });

  it("a second attempt removes the first attempt's container instead of running a twin", async () => {
    const jobId = newJobId();
    const name = containerName(jobId);
    const leftover = await docker.createContainer({
      name,
      Image: image,
      Cmd: ["sleep", "300"],
      Labels: jobLabels({ jobId, attempt: 1, ttlSeconds: 3600 }),
      HostConfig: { NetworkMode: "none" },
    });
    await leftover.start();

    const job = await start({ command: waitForStop() }, { jobId, attempt: 2 });
    const running = await waitFor("attempt 2's container to run", async () => {
      const found = await inspectByName(name);
      return found?.State.Running && found.Config.Labels["orchestrator.attempt"] === "2" ? found : null;
    });
    expect(running.Id).not.toBe(leftover.id);
    expect(running.Config.Labels["orchestrator.attempt"]).toBe("2");
    const ofJob = await docker.listContainers({
      all: true,
      filters: { label: [`orchestrator.job=${jobId}`] },
    });
    expect(ofJob.map((c) => c.Id)).toEqual([running.Id]);
    expect(await inspectByName(leftover.id)).toBeNull();
    expect(job.text("system")).toContain(
      `container ${name} of attempt 1 is still there (running): removing it rather than running a twin`,
    );
    job.controller.abort();
    expect((await job.outcome).status).toBe("cancelled");
  });

  it("leaves a same-named container that is not the job's alone, and fails", async () => {
    const jobId = newJobId();
    const name = containerName(jobId);
    const foreign = await docker.createContainer({
      name,
      Image: image,
      Cmd: ["true"],
      HostConfig: { NetworkMode: "none" },
    });
    const job = await run({ command: ["true"] }, { jobId });
    expect(job.result.status).toBe("failed");
    expect(job.result.error).toMatch(/exists and is not this job's/);
    expect((await inspectByName(name))?.Id).toBe(foreign.id);
  });

  it("fails clearly when the image is not on the engine", async () => {
    const job = await run({ image: "co-test/absent:1", command: ["true"] });
    expect(job.result.status).toBe("failed");
    expect(job.result.error).toContain(
      "image co-test/absent:1 is not on this executor's engine; build or pull it first",
    );
    expect(await ourContainers(docker)).toEqual([]);
  });

  it("fails clearly when no engine answers", async () => {
    const runner = containerRunner({ engine: () => dockerEngine("unix:///nonexistent/docker.sock") });
    const job = await run({ command: ["true"] }, {}, runner);
    expect(job.result.status).toBe("failed");
    expect(job.result.error).toMatch(/Docker engine at unix:\/\/\/nonexistent\/docker.sock does not answer/);
  });

  it("a command that cannot start fails and leaves nothing", async () => {
    const job = await run({ command: ["/no/such/binary"] });
    expect(job.result.status).toBe("failed");
    expect(job.result.error).toMatch(/did not start.*no\/such\/binary/);
    expect(await inspectByName(job.name)).toBeNull();
  });
});

describe("orphan sweep", { timeout: 60_000 }, () => {
  const collect = () => {
    const lines: { level: string; message: string; fields: object }[] = [];
    return {
      lines,
      log: {
        info: (fields: object, message: string) => lines.push({ level: "info", message, fields }),
        warn: (fields: object, message: string) => lines.push({ level: "warn", message, fields }),
      },
    };
  };

  it("removes expired labelled containers and leaves the others alone", async () => {
    const now = Date.now();
    const make = async (name: string, labels: Record<string, string>, run: boolean) => {
      const container = await docker.createContainer({
        name,
        Image: image,
        Cmd: ["sleep", "300"],
        Labels: labels,
        HostConfig: { NetworkMode: "none" },
      });
      if (run) await container.start();
      return container;
    };
    const hourAgo = now - 3_600_000;
    const expiredRunning = await make(
      `${RUN}-expired-running`,
      jobLabels({ jobId: newJobId(), attempt: 1, ttlSeconds: 60, now: hourAgo }),
      true,
    );
    const expiredCreated = await make(
      `${RUN}-expired-created`,
      jobLabels({ jobId: newJobId(), attempt: 1, ttlSeconds: 60, now: hourAgo }),
      false,
    );
    const fresh = await make(
      `${RUN}-fresh`,
      jobLabels({ jobId: newJobId(), attempt: 1, ttlSeconds: 3600, now }),
      true,
    );
    const notAJob = await make(`${RUN}-not-a-job`, { "orchestrator.expires": "1" }, false);
    const noExpiry = await make(`${RUN}-no-expiry`, { "orchestrator.job": newJobId() }, false);

    const { lines, log } = collect();
    const report = await sweepOrphanContainers({ log, now });
    expect(report?.failed).toEqual([]);
    expect(report?.removed.filter((name) => name.startsWith(RUN)).sort()).toEqual([
      `${RUN}-expired-created`,
      `${RUN}-expired-running`,
    ]);
    expect(await inspectByName(expiredRunning.id)).toBeNull();
    expect(await inspectByName(expiredCreated.id)).toBeNull();
    for (const kept of [fresh, notAJob, noExpiry]) expect(await inspectByName(kept.id)).not.toBeNull();
    expect(lines.filter((l) => l.message === "removed an expired job container")).toHaveLength(
      report?.removed.length ?? -1,
    );
  });

  it("never throws when no engine answers", async () => {
    const unreachable = collect();
    const report = await sweepOrphanContainers({
      log: unreachable.log,
      engine: () => dockerEngine("unix:///nonexistent/docker.sock"),
    });
    expect(report).toBeNull();
    expect(unreachable.lines).toEqual([expect.objectContaining({ level: "warn" })]);

    const absent = collect();
    process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
    try {
      expect(await sweepOrphanContainers({ log: absent.log })).toBeNull();
    } finally {
      process.env.DOCKER_HOST = engine.host;
    }
    expect(absent.lines).toEqual([
      expect.objectContaining({
        level: "info",
        message: "no Docker engine on this host: no container sweep",
      }),
    ]);
  });
});
