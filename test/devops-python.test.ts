/**
 * Projects that are not the default Node template, deployed by the DevOps graph end to end
 * (wrangler dev, a real executor, real ansible-playbook against an sshd on 127.0.0.1 registered as
 * a server that runs services as supervised processes):
 *
 * - the Python template, rendered into a local bare repository and imported: the inspect step
 *   reads its manifest's start command (`python3 -m app`), the deploy passes it as argv, and the
 *   service answers its health path;
 * - a Makefile-driven Python service with no `orchestrator.json` (as a third-party template
 *   renders one): an engineering run's Tester runs `make test`, detected on the tested commit; the
 *   DevOps run's inspect step records what it detected (`make test`, `make run`, the health path it
 *   assumed, the alternatives it left out), and the service is deployed by `make run`, healthy;
 * - the same service following no convention, its template registered in the catalog with a
 *   manifest: the Tester and the inspect step go by the catalog's manifest, and say so;
 * - a repository that says nothing about how to start it: the run fails at inspect, saying what
 *   to add, with what was looked at on the timeline.
 */

import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scaffold } from "../executor/src/scaffold/scaffold.ts";
import {
  claudeBinary,
  type FakeAnthropic,
  startFakeAnthropic,
} from "../executor/test/support/fake-anthropic.ts";
import { fixtureGit } from "../executor/test/support/git-fixtures.ts";
import { type Sshd, sshdAvailable, startSshd } from "../executor/test/support/sshd.ts";
import { stopDeployedServices } from "./support/deployed.ts";
import { Fleet } from "./support/fleet.ts";
import { appendFile, pipelineModel } from "./support/pipeline-model.ts";
import { RUN_ENDED, runEnded, type TimelineStep, until } from "./support/poll.ts";
import { CATALOG_GREETER, GREETER } from "./support/python-greeter.ts";
import { registerServer, SERVER_PATH } from "./support/scenario.ts";

const claude = claudeBinary();
const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const template = path.resolve(import.meta.dirname, "../templates/python-service");
let fleet: Fleet;
let sshd: Sshd;
let model: FakeAnthropic;
let repos: string;
let deployRoot: string;
let portStart: number;

const steps = async (id: string): Promise<TimelineStep[]> => (await fleet.call(`/runs/${id}/steps`)).items;
const stepOf = async (id: string, name: string) => (await steps(id)).find((step) => step.name === name);
const finished = (id: string, what: string) => runEnded((route) => fleet.call(route), id, what);
/** `publish` of a new directory holding `files`. */
async function publishFiles(name: string, files: Record<string, string>): Promise<string> {
  const work = await mkdtemp(path.join(tmpdir(), `co-py-${name}-`));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(work, file)), { recursive: true });
    await writeFile(path.join(work, file), text);
  }
  return publish(work, name);
}

/** The DevOps run the project's engineering run started, once it ended. */
const deployStartedBy = (projectId: string) =>
  until("the deploy it started", async () => {
    const { items } = await fleet.call(`/projects/${projectId}/runs`);
    const run = items.find((item: { kind: string }) => item.kind === "devops");
    return run && RUN_ENDED.includes(run.status) ? run : undefined;
  });

/** A bare repository `<repos>/<name>.git` whose main has one commit of the directory `work`. */
function publish(work: string, name: string): string {
  const bare = path.join(repos, `${name}.git`);
  fixtureGit(repos, "init", "--quiet", "--bare", "--initial-branch=main", bare);
  fixtureGit(work, "init", "--quiet", "--initial-branch=main");
  fixtureGit(work, "add", "--all");
  fixtureGit(work, "commit", "--quiet", "-m", `${name}: first commit`);
  fixtureGit(work, "push", "--quiet", bare, "main");
  // The executor's jobs push as users of their own (as they would to a remote of their own).
  spawnSync("chmod", ["-R", "a+rwX", bare]);
  return pathToFileURL(bare).href;
}

beforeAll(async () => {
  if (!claude || !ansible || !sshdAvailable()) return;
  process.env.ORCHESTRATOR_CLAUDE_BIN = claude;
  sshd = await startSshd({ sessionPath: SERVER_PATH });
  repos = await mkdtemp(path.join(tmpdir(), "co-py-repos-"));
  deployRoot = await mkdtemp(path.join(tmpdir(), "co-py-deploy-"));
  model = await startFakeAnthropic(
    pipelineModel({
      Greeter: () => [appendFile("README.md", "Reviewed by the Developer.")],
      Welcomer: () => [appendFile("README.md", "Reviewed by the Developer.")],
    }),
  );
  fleet = await Fleet.start(
    {
      REPO_BASE_URL: pathToFileURL(repos).href,
      REPO_ALLOW_LOCAL: "true",
      ANTHROPIC_BASE_URL: model.baseUrl,
      DEPLOY_HEALTH_RETRIES: "20",
    },
    { ANTHROPIC_API_KEY: "sk-ant-devops-python", DEPLOY_SSH_KEY: sshd.privateKey },
  );
  ({ portStart } = await registerServer(fleet.call.bind(fleet), sshd, deployRoot));
  await fleet.executor(2, {});
}, 120_000);

afterAll(async () => {
  if (deployRoot) stopDeployedServices(deployRoot);
  await fleet?.stop();
  await model?.close();
  await sshd?.stop();
  for (const dir of [repos, deployRoot]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!claude || !ansible || !sshdAvailable())(
  "DevOps pipeline: Python services",
  { timeout: 300_000 },
  () => {
    it("deploys the Python template by its manifest's start command, as a supervised process", async () => {
      const work = path.join(await mkdtemp(path.join(tmpdir(), "co-py-render-")), "hello-py");
      await scaffold({
        templateRoot: template,
        srcPath: "python-service",
        commit: null,
        destination: work,
        data: { project_name: "hello-py", description: "Hello from Python", modules: ["database"] },
        defaults: true,
        trust: false,
        taskEnv: {},
        log: () => {},
      });
      const repoUrl = publish(work, "hello-py");
      const project = await fleet.call("/projects", {
        name: "Hello Py",
        description: "Says hello.",
        repoUrl,
      });
      const run = await fleet.call(`/projects/${project.id}/runs`, { kind: "devops" });
      const ended = await finished(run.id, "the Python deploy");
      expect(ended, ended.error).toMatchObject({ status: "succeeded", error: null });

      const inspect = await stepOf(run.id, "inspect");
      expect(inspect?.detail).toMatchObject({
        jobStatus: "succeeded",
        commit: fixtureGit(work, "rev-parse", "HEAD"),
        manifest: true,
        test: {
          command: ["python3", "-m", "unittest", "discover", "--start-directory", "tests", "--verbose"],
          from: "orchestrator.json",
        },
        start: { command: ["python3", "-m", "app"], from: "orchestrator.json" },
        healthPath: { path: "/health", from: "orchestrator.json" },
      });
      const deploy = await fleet.job((await stepOf(run.id, "deploy"))?.jobId as string);
      expect((deploy as unknown as { spec: { vars: object } }).spec.vars).toMatchObject({
        start_argv: ["python3", "-m", "app"],
        service_manager: "process",
      });
      const url = `http://127.0.0.1:${portStart}`;
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok", service: "hello-py" });
      expect(await (await fetch(`${url}/`)).json()).toEqual({ message: "Hello from Python" });
      const releaseDir = path.join(deployRoot, "hello-py", "current");
      expect(await readFile(path.join(releaseDir, ".co-start"), "utf8")).toMatch(/\nexec python3 -m app\n$/);
    });

    it("detects a Makefile-driven service's commands: tested by `make test`, deployed by `make run`", async () => {
      const repoUrl = await publishFiles("greeter", GREETER);
      const project = await fleet.call("/projects", { name: "Greeter", description: "Greets.", repoUrl });
      const engineering = await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" });
      const built = await finished(engineering.id, "the engineering run");
      expect(built, built.error).toMatchObject({ status: "succeeded" });
      // The Tester found no manifest and ran the Makefile's test target.
      expect(await stepOf(engineering.id, "prepare")).toMatchObject({ status: "skipped" });
      const tested = await stepOf(engineering.id, "test 1");
      expect(tested?.detail).toMatchObject({
        passed: true,
        command: ["make", "test"],
        from: "Makefile: target `test`",
        counts: { total: 1, passed: 1, failed: 0 },
      });

      const devops = await deployStartedBy(project.id);
      expect(devops, devops.error).toMatchObject({ status: "succeeded" });
      // What the inspect step decided, and from what: for a person to check and correct.
      const inspect = await stepOf(devops.id, "inspect");
      expect(inspect?.detail).toEqual({
        jobStatus: "succeeded",
        commit: tested?.detail?.commit,
        manifest: false,
        test: { command: ["make", "test"], from: "Makefile: target `test`" },
        start: { command: ["make", "run"], from: "Makefile: target `run`" },
        healthPath: {
          path: "/health",
          from: "assumed: /health, as nothing declares a health path (set service.healthPath in orchestrator.json)",
        },
        notes: [
          "also found a test command, not used (the first convention wins): python3 -m unittest discover --start-directory tests --verbose (tests/test_*.py (unittest))",
        ],
      });
      const deploy = await fleet.job((await stepOf(devops.id, "deploy"))?.jobId as string);
      expect((deploy as unknown as { spec: { vars: object } }).spec.vars).toMatchObject({
        start_argv: ["make", "run"],
      });
      const url = `http://127.0.0.1:${portStart + 1}`;
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect(await (await fetch(`${url}/`)).json()).toEqual({ greeting: "Hello, deploy!" });
      const log = await readFile(path.join(deployRoot, "greeter", "logs", "app.log"), "utf8");
      expect(log).toContain(`greeter listening on ${portStart + 1}`);
    });

    it("tests and deploys a service no convention describes by its template's manifest in the catalog", async () => {
      const manifest = {
        test: {
          command: ["python3", "-m", "unittest", "discover", "-s", "checks", "-p", "check_*.py", "-v"],
        },
        service: { start: ["python3", "-m", "greeter"], healthPath: "/health" },
      };
      const template = await fleet.call("/templates", {
        name: "greeter-catalog",
        title: "Greeter",
        description: "A third-party greeting service.",
        source: { kind: "builtin", path: "python-service" },
        manifest,
      });
      await until("the template's check", async () => {
        const checked = await fleet.call(`/templates/${template.id}`);
        return checked.status === "ready" ? checked : undefined;
      });
      const repoUrl = await publishFiles("welcomer", CATALOG_GREETER);
      const project = await fleet.call("/projects", {
        name: "Welcomer",
        description: "Welcomes.",
        repoUrl,
        templateId: template.id,
      });
      const engineering = await fleet.call(`/projects/${project.id}/runs`, { kind: "engineering" });
      const built = await finished(engineering.id, "the engineering run");
      expect(built, built.error).toMatchObject({ status: "succeeded" });
      const from = "the template catalog's manifest (greeter-catalog)";
      expect((await stepOf(engineering.id, "test 1"))?.detail).toMatchObject({
        passed: true,
        command: manifest.test.command,
        from,
        counts: { total: 1, passed: 1, failed: 0 },
      });

      const devops = await deployStartedBy(project.id);
      expect(devops, devops.error).toMatchObject({ status: "succeeded" });
      expect((await stepOf(devops.id, "inspect"))?.detail).toMatchObject({
        manifest: false,
        test: { command: manifest.test.command, from },
        start: { command: ["python3", "-m", "greeter"], from },
        healthPath: { path: "/health", from },
      });
      const deploy = await fleet.job((await stepOf(devops.id, "deploy"))?.jobId as string);
      const vars = (deploy as unknown as { spec: { vars: { port: number } } }).spec.vars;
      expect(vars).toMatchObject({ start_argv: ["python3", "-m", "greeter"] });
      expect((await fetch(`http://127.0.0.1:${vars.port}/health`)).status).toBe(200);
    });

    it("fails a project that says nothing about how to start it, saying what to add", async () => {
      const work = await mkdtemp(path.join(tmpdir(), "co-py-silent-"));
      await writeFile(path.join(work, "main.go"), "package main\n");
      await writeFile(path.join(work, "docker-compose.yml"), "services:\n  web:\n    build: .\n");
      const repoUrl = publish(work, "silent");
      const project = await fleet.call("/projects", {
        name: "Silent",
        description: "Says nothing.",
        repoUrl,
      });
      const run = await fleet.call(`/projects/${project.id}/runs`, { kind: "devops" });
      const ended = await finished(run.id, "the silent deploy");
      expect(ended.status).toBe("failed");
      expect(ended.error).toMatch(
        /^The project does not say how to start its service \(the inspect step lists what was looked at\)\. To fix it, add orchestrator\.json with "service": \{"start": \[\.\.\.\]\}/,
      );
      expect(ended.error).toContain("a Makefile with a `start`, `run` or `up` target");
      expect((await stepOf(run.id, "inspect"))?.detail).toMatchObject({
        manifest: false,
        test: "none found",
        start: "none found",
        notes: ["docker-compose.yml: no service declares a healthcheck: not chosen for the deploy"],
      });
      expect((await steps(run.id)).map((step) => step.name)).toEqual(["inspect"]);
    });
  },
);
