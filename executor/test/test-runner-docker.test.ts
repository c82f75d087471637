/**
 * `test` jobs whose tests need Docker (`container.dockerInside`), on real engines: the
 * third-party-style Compose fixture (test/fixtures/templates/compose-notes), whose Makefile `test`
 * target brings up its API, worker and PostgreSQL with docker-compose and runs a test container
 * against them. The profile sees that the target calls Docker; the job runs the tests in the
 * Tester's image (support/debian-image.ts: dockerd, the CLI, docker-compose, make) with a Docker
 * engine of its own inside, images preloaded from the executor's directory (no registry here).
 *
 * Sysbox cannot be installed here: on an engine with runc registered as `sysbox-runc` (as the other
 * container tests do), the job asks for that runtime and nothing more, and plain runc cannot run
 * dockerd unprivileged, so the engine inside fails to start: a job failure saying so, never failed
 * tests. On an engine without Sysbox, the operator's `allowPrivilegedDocker` runs it privileged,
 * and the compose-based tests run for real.
 */
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { TestResult, TestSpec } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerEngine } from "../src/containers/engine.ts";
import { maskingSecrets } from "../src/jobs/runner.ts";
import { testRunner } from "../src/kinds/test/runner.ts";
import { commitComposeNotes } from "./support/compose-notes.ts";
import { jobContainers } from "./support/containers.ts";
import { DEBIAN_IMAGE, DOCKER_INSIDE_IMAGE, ensureRootfsImage, saveImage } from "./support/debian-image.ts";
import { startDockerEngine, type TestEngine } from "./support/docker-engine.ts";
import { bareRepo, removeTempDirs, tempDir } from "./support/git-fixtures.ts";
import { runContext } from "./support/run-context.ts";

const RUN = `td${randomUUID().slice(0, 8)}`;
let jobs = 0;
let repo: { path: string; url: string };
let imagesDir: string;
const engines: TestEngine[] = [];

beforeAll(async () => {
  repo = await bareRepo(await tempDir("co-compose-notes-repo-"), "notes", 0);
  await commitComposeNotes(repo.path, "notes");
}, 60_000);

afterAll(async () => {
  for (const engine of engines) await engine.stop();
  await removeTempDirs();
}, 120_000);

/** A `test` job of the fixture on `engine`, with Docker inside when needed. */
async function runOn(engine: TestEngine, container: Record<string, unknown>) {
  const jobId = `${RUN}-${++jobs}`;
  const spec = TestSpec.parse({
    checkout: { url: repo.url, ref: "main" },
    container: {
      image: DOCKER_INSIDE_IMAGE,
      network: "none",
      memoryMb: 4096,
      dockerInside: "when-needed",
      ...container,
    },
  });
  const test = await runContext(
    { jobId, dockerImagesDir: imagesDir, deadlineAt: Date.now() + 400_000 },
    "co-test-job-",
  );
  const runner = maskingSecrets(testRunner({ engine: () => dockerEngine(engine.host) }));
  const outcome = await runner(spec, test.ctx);
  const output = outcome.output === undefined ? null : TestResult.parse(outcome.output);
  const volumes = ((await engine.docker.listVolumes()).Volumes ?? []).map((volume) => volume.Name);
  return {
    ...outcome,
    output,
    log: test.text(),
    left: await jobContainers(engine.docker, jobId),
    volumesLeft: volumes.filter((name) => name.includes(jobId)),
  };
}

describe("tests that need Docker, on an engine with (a stand-in for) Sysbox", { timeout: 300_000 }, () => {
  let engine: TestEngine;

  beforeAll(async () => {
    engine = await startDockerEngine({ sysboxRuntime: true });
    engines.push(engine);
    await ensureRootfsImage(engine, DOCKER_INSIDE_IMAGE);
    imagesDir = await tempDir("co-docker-inside-images-");
  }, 240_000);

  it("asks for sysbox-runc only; an engine inside that cannot start fails the job, saying why", async () => {
    const job = await runOn(engine, {});
    expect(job.log).toContain("tests: make test (from Makefile: target `test` (it calls Docker))");
    expect(job.log).toContain("Docker inside (sysbox-runc)");
    expect(job.status).toBe("failed");
    expect(job.error).toMatch(
      /^The Docker engine inside the test container did not start: dockerd did not start; its log ends:/,
    );
    expect(job.left).toEqual([]);
    expect(job.volumesLeft).toEqual([]);
  });

  it("with dockerInside never, gives tests that call Docker no engine, and says so", async () => {
    const job = await runOn(engine, { dockerInside: "never" });
    expect(job.log).toContain("the tests call Docker, but this job gives them no Docker engine");
    expect(job.log).not.toContain("Docker inside");
  });
});

describe("tests that need Docker, on an engine without Sysbox", { timeout: 600_000 }, () => {
  let engine: TestEngine;

  beforeAll(async () => {
    engine = await startDockerEngine({ sysboxRuntime: false });
    engines.push(engine);
    await ensureRootfsImage(engine, DOCKER_INSIDE_IMAGE);
    await ensureRootfsImage(engine, DEBIAN_IMAGE);
    // The executor's preloaded images: what the fixture's Dockerfiles start FROM.
    imagesDir = await tempDir("co-docker-inside-images-");
    await mkdir(imagesDir, { recursive: true });
    await saveImage(engine, DEBIAN_IMAGE, path.join(imagesDir, "debian.tar"));
  }, 300_000);

  it("is refused unless the operator allows a privileged container, creating nothing", async () => {
    const job = await runOn(engine, {});
    expect(job.status).toBe("failed");
    expect(job.error).toMatch(/dockerInside needs the sysbox-runc runtime .* or set allowPrivilegedDocker/);
    expect(job.left).toEqual([]);
  });

  it("runs the compose-based tests with an engine of their own, privileged where allowed", async () => {
    const job = await runOn(engine, { allowPrivilegedDocker: true });
    expect(job.log, `${job.error}\n${job.log}`).toContain(
      "Docker inside (default runtime, privileged (allowPrivilegedDocker))",
    );
    expect(job.status, `${job.error}\n${job.log.slice(-3000)}`).toBe("succeeded");
    expect(job.output?.passed).toBe(true);
    expect(job.log).toMatch(/test_worker_processes_a_note .* ok/);
    expect(job.log).toContain("notes-test_tests_1 exited with code 0");
    expect(job.left).toEqual([]);
    expect(job.volumesLeft).toEqual([]);
  });
});
