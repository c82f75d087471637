/**
 * A template we did not write, through the pipelines end to end (wrangler dev, a real executor, the
 * real Claude Code CLI against a loopback Messages API, a real Docker engine, docker-compose and
 * ansible-playbook against an sshd on 127.0.0.1 registered as a Compose server):
 *
 * the third-party-style fixture (test/fixtures/templates/compose-notes: an API, a worker and
 * PostgreSQL; a Makefile; no orchestrator.json) is registered as a git template at a version
 * constraint, with a catalog manifest that declares its migrations and health path. The Architect
 * picks it; the project is scaffolded from it; the Tester runs `make test` (detected, and seen to
 * call Docker) in a container with a Docker engine inside; the DevOps run's inspect step goes by
 * the catalog's manifest and the Makefile; the deploy checks the compose file, builds, migrates
 * and brings up the API, the worker and the database, healthy. A second release keeps the
 * database's data; a release that never becomes healthy is rolled back, and the data is still there.
 *
 * No registry is reachable here: the fixture's Dockerfiles start FROM a `debian:bookworm-slim`
 * made by mmdebstrap (executor/test/support/debian-image.ts), preloaded into the Tester's engine
 * from the executor's --docker-inside-images directory. Sysbox cannot be installed here: the
 * Tester's container runs privileged, as TESTER_PRIVILEGED_DOCKER allows.
 */
import { spawnSync } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Template } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPOSE_NOTES } from "../executor/test/support/compose-notes.ts";
import {
  DEBIAN_IMAGE,
  DOCKER_INSIDE_IMAGE,
  ensureRootfsImage,
  saveImage,
} from "../executor/test/support/debian-image.ts";
import { startDockerEngine, type TestEngine } from "../executor/test/support/docker-engine.ts";
import {
  claudeBinary,
  type FakeAnthropic,
  startFakeAnthropic,
} from "../executor/test/support/fake-anthropic.ts";
import { type Sshd, sshdAvailable, startSshd } from "../executor/test/support/sshd.ts";
import { Fleet } from "./support/fleet.ts";
import { appendFile, pipelineModel } from "./support/pipeline-model.ts";
import { RUN_ENDED, runEnded, type TimelineStep, until } from "./support/poll.ts";
import { registerServer, SERVER_PATH } from "./support/scenario.ts";
import { git } from "./support/template-git.ts";

const claude = claudeBinary();
const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const ready = Boolean(claude) && ansible && sshdAvailable();
/** What the catalog says about the fixture's projects, which say nothing about themselves. */
const CATALOG_MANIFEST = {
  service: {
    healthPath: "/health",
    startupSeconds: 40,
    migrate: { command: ["python3", "migrate.py"], service: "api" },
  },
};

let engine: TestEngine;
let sshd: Sshd;
let model: FakeAnthropic;
let fleet: Fleet;
let dir: string;
let portStart: number;

const steps = async (id: string): Promise<TimelineStep[]> => (await fleet.call(`/runs/${id}/steps`)).items;
const stepOf = async (id: string, name: string) => (await steps(id)).find((step) => step.name === name);
type Run = { id: string; status: string; error?: string };
const finished = (id: string, what: string) => runEnded<Run>((route) => fleet.call(route), id, what, 600_000);
const service = (route: string, init?: RequestInit) =>
  fetch(`http://127.0.0.1:${portStart}${route}`, { ...init, signal: AbortSignal.timeout(5000) });
const notes = async (): Promise<unknown> => (await service("/notes")).json();

/** The fixture as a template repository with one release tag, as its authors would publish it. */
async function publishTemplate(): Promise<string> {
  const bare = path.join(dir, "compose-notes.git");
  await git(["init", "--quiet", "--bare", "--initial-branch=main", bare]);
  const work = path.join(dir, "compose-notes-work");
  spawnSync("cp", ["-r", COMPOSE_NOTES, work]);
  await git(["init", "--quiet", "--initial-branch=main"], work);
  await git(["add", "--all"], work);
  await git(["commit", "--quiet", "-m", "compose-notes 1.0.0"], work);
  await git(["tag", "-a", "v1.0.0", "-m", "v1.0.0"], work);
  await git(["push", "--quiet", bare, "main", "--tags"], work);
  return pathToFileURL(bare).href;
}

/** The DevOps run an engineering run of the project started, once it ended. */
const deployOf = (projectId: string, after: string[]) =>
  until(
    "the deploy the engineering run started",
    async () => {
      const { items } = await fleet.call<{ items: (Run & { kind: string })[] }>(
        `/projects/${projectId}/runs`,
      );
      const run = items.find((item) => item.kind === "devops" && !after.includes(item.id));
      return run && RUN_ENDED.includes(run.status) ? run : undefined;
    },
    600_000,
  );

beforeAll(async () => {
  if (!ready) return;
  dir = await mkdtemp(path.join(tmpdir(), "co-devops-compose-"));
  engine = await startDockerEngine({ sysboxRuntime: false });
  await ensureRootfsImage(engine, DOCKER_INSIDE_IMAGE);
  await ensureRootfsImage(engine, DEBIAN_IMAGE);
  const images = path.join(dir, "images");
  spawnSync("mkdir", ["-p", images]);
  await saveImage(engine, DEBIAN_IMAGE, path.join(images, "debian.tar"));
  // The executor's engine and preloaded images; the server's engine (the same one, here).
  process.env.DOCKER_HOST = engine.host;
  process.env.ORCHESTRATOR_DOCKER_INSIDE_IMAGES = images;
  process.env.ORCHESTRATOR_CLAUDE_BIN = claude ?? "";
  sshd = await startSshd({ sessionPath: SERVER_PATH, sessionEnv: { DOCKER_HOST: engine.host } });
  model = await startFakeAnthropic(
    pipelineModel({ Notes: (iteration) => [appendFile("README.md", `Reviewed in iteration ${iteration}.`)] }),
  );
  const repos = path.join(dir, "repos");
  spawnSync("mkdir", ["-p", repos]);
  fleet = await Fleet.start(
    {
      REPO_BASE_URL: pathToFileURL(repos).href,
      REPO_ALLOW_LOCAL: "true",
      ANTHROPIC_BASE_URL: model.baseUrl,
      TESTER_IMAGE: DOCKER_INSIDE_IMAGE,
      TESTER_NETWORK: "none",
      TESTER_DOCKER_INSIDE: "when-needed",
      TESTER_PRIVILEGED_DOCKER: "true",
    },
    { ANTHROPIC_API_KEY: "sk-ant-devops-compose", DEPLOY_SSH_KEY: sshd.privateKey },
  );
  const deployRoot = path.join(dir, "deploy");
  spawnSync("mkdir", ["-p", deployRoot]);
  await chmod(dir, 0o755);
  ({ portStart } = await registerServer(fleet.call.bind(fleet), sshd, deployRoot, "compose"));
  await fleet.executor(2, {});
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
  await model?.close();
  await sshd?.stop();
  await engine?.stop();
  delete process.env.DOCKER_HOST;
  delete process.env.ORCHESTRATOR_DOCKER_INSIDE_IMAGES;
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe.skipIf(!ready)("a third-party Compose template through the pipelines", { timeout: 900_000 }, () => {
  let projectId: string;
  let firstDeploy: string;

  it("is registered with a catalog manifest, chosen, tested with Docker inside, deployed with its database", async () => {
    const registered = await fleet.call<Template>("/templates", {
      name: "compose-notes",
      title: "Compose notes",
      description: "A notes API with a background worker and PostgreSQL, run with Docker Compose.",
      tags: ["python", "compose"],
      source: { kind: "git", url: await publishTemplate(), version: ">=1" },
      manifest: CATALOG_MANIFEST,
    });
    const template = await until(
      "the template's check",
      async () => {
        const row = await fleet.call<Template>(`/templates/${registered.id}`);
        return row.status === "checking" ? undefined : row;
      },
      60_000,
    );
    expect(template, JSON.stringify(template.error)).toMatchObject({
      status: "ready",
      version: { tag: "v1.0.0" },
    });

    const project = await fleet.call("/projects", {
      name: "Notes",
      description: "Keeps notes; a worker marks them processed. Built from compose-notes.",
    });
    projectId = project.id;
    const engineering = await fleet.call(`/projects/${projectId}/runs`, { kind: "engineering" });
    const built = await finished(engineering.id, "the engineering run");
    expect(built, built.error).toMatchObject({ status: "succeeded" });
    expect((await stepOf(engineering.id, "prepare"))?.detail).toMatchObject({ template: "compose-notes" });
    const tested = await stepOf(engineering.id, "test 1");
    expect(tested?.detail).toMatchObject({
      passed: true,
      command: ["make", "test"],
      from: "Makefile: target `test` (it calls Docker)",
    });

    const devops = await deployOf(projectId, []);
    firstDeploy = devops.id;
    expect(devops, devops.error).toMatchObject({ status: "succeeded" });
    const inspect = await stepOf(devops.id, "inspect");
    expect(inspect?.detail).toMatchObject({
      manifest: false,
      migrate: {
        command: ["python3", "migrate.py"],
        from: "the template catalog's manifest (compose-notes)",
      },
      healthPath: { path: "/health", from: "the template catalog's manifest (compose-notes)" },
    });
    const deploy = await fleet.job((await stepOf(devops.id, "deploy"))?.jobId as string);
    expect((deploy as unknown as { spec: { vars: object } }).spec.vars).toMatchObject({
      service_manager: "compose",
      migrate_argv: ["python3", "migrate.py"],
      migrate_service: "api",
    });
    expect((await service("/health")).status).toBe(200);
    expect((await service("/notes", { method: "POST", body: JSON.stringify({ text: "kept" }) })).status).toBe(
      201,
    );
    // The worker, a service of its own, marks it processed.
    const processed = await until("the worker to process the note", async () =>
      ((await notes()) as { processed: boolean }[])[0]?.processed ? true : undefined,
    );
    expect(processed).toBe(true);
  });

  it("a second release keeps the database's data", async () => {
    const engineering = await fleet.call(`/projects/${projectId}/runs`, { kind: "engineering" });
    const built = await finished(engineering.id, "the second engineering run");
    expect(built, built.error).toMatchObject({ status: "succeeded" });
    const devops = await deployOf(projectId, [firstDeploy]);
    expect(devops, devops.error).toMatchObject({ status: "succeeded" });
    expect(await notes()).toEqual([{ id: 1, text: "kept", processed: true }]);
  });

  it("a release that never becomes healthy is rolled back, and the data is still there", async () => {
    const project = await fleet.call(`/projects/${projectId}`);
    const work = path.join(dir, "broken");
    await git(["clone", "--quiet", project.repoUrl, work]);
    await writeFile(path.join(work, "api/VERSION"), "broken\n");
    await git(["commit", "--quiet", "--all", "-m", "A release that cannot start"], work);
    await git(["push", "--quiet", "origin", "main"], work);
    const devops = await fleet.call(`/projects/${projectId}/runs`, { kind: "devops" });
    const ended = await finished(devops.id, "the broken deploy");
    expect(ended.status).toBe("failed");
    expect(await stepOf(devops.id, "rollback")).toMatchObject({ status: "succeeded" });
    expect((await service("/health")).status).toBe(200);
    expect(await notes()).toEqual([{ id: 1, text: "kept", processed: true }]);
  });
});
