/**
 * A project's end, whole stack (wrangler dev, a real executor, real ansible-playbook against an
 * sshd on 127.0.0.1 registered as the server, GitHub on loopback with the pipelines' App): a member
 * deploys a project from its repository, starts another deploy (held at its first job), and
 * deletes the project. The deploy in progress is cancelled with its job; an undeploy run stops and
 * removes the service from the server (supervisor, directory, Unix user), then releases its port,
 * then archives the repository through the App. The project's runs stay readable by its owner and
 * admins, and answer another member exactly like runs that do not exist.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listening, processesOf } from "../executor/test/support/host-probes.ts";
import { type Sshd, sshdAvailable, startSshd } from "../executor/test/support/sshd.ts";
import { queryD1 } from "./support/d1.ts";
import { stopDeployedServices } from "./support/deployed.ts";
import { type FakeGitHub, startFakeGitHub } from "./support/fake-github.ts";
import { Fleet } from "./support/fleet.ts";
import { type TimelineStep, until } from "./support/poll.ts";
import { registerServer, SERVER_PATH } from "./support/scenario.ts";

const OWNER = "acme";
const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const ready = ansible && sshdAvailable();
let fleet: Fleet;
let github: FakeGitHub;
let sshd: Sshd;
let root: string;
let deployRoot: string;
/** The deployed project's Unix user, removed after the test if the undeploy did not. */
let projectUser: string | undefined;

/** What a member's key gets from the API: status and JSON body. */
async function as(key: string, route: string, body?: unknown, method?: string) {
  const response = await fetch(`${fleet.worker.api}${route}`, {
    method: method ?? (body === undefined ? "GET" : "POST"),
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function member(name: string): Promise<string> {
  const user = await fleet.call<{ id: string }>("/users", { name });
  return (await fleet.call<{ key: string }>("/api-keys", { name, userId: user.id })).key;
}

const steps = async (id: string): Promise<TimelineStep[]> => (await fleet.call(`/runs/${id}/steps`)).items;
const finished = (id: string) =>
  until(`run ${id} to end`, async () => {
    const run = await fleet.call(`/runs/${id}`);
    return ["succeeded", "failed", "cancelled"].includes(run.status) ? run : undefined;
  });

/** The service: /health answers with the uid it runs as. */
const SERVER_JS = `require("node:http").createServer((req, res) => {
  res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "application/json" });
  res.end(JSON.stringify({ status: "ok", uid: process.getuid() }));
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

/** Pushes the service to the App's repository `name` (as someone who built it before would have). */
async function publishService(name: string): Promise<void> {
  const bare = github.addRepository(name);
  const work = await mkdtemp(path.join(tmpdir(), "co-lifecycle-src-"));
  await writeFile(path.join(work, "server.js"), SERVER_JS);
  await writeFile(
    path.join(work, "package.json"),
    JSON.stringify({ name, private: true, scripts: { start: "node server.js" } }),
  );
  await writeFile(path.join(work, ".env.example"), "PORT=\n");
  const git = (...args: string[]) => {
    const done = spawnSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.test", ...args], {
      cwd: work,
      encoding: "utf8",
    });
    expect(done.status, done.stderr).toBe(0);
  };
  git("init", "-q", "-b", "main");
  git("add", "--all");
  git("commit", "-qm", "service");
  git("push", "-q", bare, "main");
  await rm(work, { recursive: true, force: true });
}

beforeAll(async () => {
  if (!ready) return;
  root = await mkdtemp(path.join(tmpdir(), "co-lifecycle-"));
  deployRoot = await mkdtemp(path.join(tmpdir(), "co-lifecycle-deploy-"));
  github = await startFakeGitHub({ root, owner: OWNER });
  sshd = await startSshd({ sessionPath: SERVER_PATH });
  fleet = await Fleet.start(
    {
      ...github.appVars,
      // GitHub on loopback: the project names its repository there.
      REPO_ALLOW_LOCAL: "true",
      DEPLOY_HEALTH_RETRIES: "5",
    },
    { GITHUB_APP_PRIVATE_KEY: github.privateKey, DEPLOY_SSH_KEY: sshd.privateKey },
  );
}, 120_000);

afterAll(async () => {
  if (deployRoot) stopDeployedServices(deployRoot);
  if (projectUser) spawnSync("userdel", [projectUser]);
  await fleet?.stop();
  await github?.close();
  await sshd?.stop();
  for (const dir of [root, deployRoot]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!ready)("deleting a deployed project", { timeout: 300_000 }, () => {
  it("cancels its runs, undeploys it, frees its port, archives its repository, keeps its history", async () => {
    await registerServer(fleet.call.bind(fleet), sshd, deployRoot);
    await fleet.executor(1, {});
    const owner = await member("Olga");
    const stranger = await member("Sam");
    await publishService("tidy-api");
    const created = await as(owner, "/projects", {
      name: "Tidy API",
      description: "Answers its health.",
      repoUrl: `${github.gitUrl}/${OWNER}/tidy-api.git`,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const project = created.body;

    // One deployment, as the owner.
    const deploy = (await as(owner, `/projects/${project.id}/runs`, { kind: "devops" })).body;
    const deployed = await finished(deploy.id);
    expect(deployed, deployed.error).toMatchObject({ status: "succeeded" });
    const { port, url } = (await steps(deploy.id)).find((step) => step.name === "allocate")?.detail ?? {};
    const { uid } = (await (await fetch(`${url}/health`)).json()) as { uid: number };
    const user = spawnSync("id", ["-nu", String(uid)], { encoding: "utf8" }).stdout.trim();
    expect(user).toMatch(/^co-tidy-api-[0-9a-f]{6}$/);
    projectUser = user;

    // The one executor slot is taken, so the next deploy waits with its first job queued.
    const blocker = await fleet.submit(["sleep", "600"], {});
    await fleet.waitFor(blocker.id, (job) => job.status === "running");
    const active = (await as(owner, `/projects/${project.id}/runs`, { kind: "devops" })).body;
    const queued = await until("the second deploy's first job", async () =>
      (await steps(active.id)).find((step) => step.name === "inspect" && step.jobId),
    );

    expect((await as(owner, `/projects/${project.id}`, undefined, "DELETE")).status).toBe(204);

    // At once: the project is gone, its run in progress and that run's job are cancelled, and an
    // undeploy run is queued while the service still runs on its port.
    expect((await as(owner, `/projects/${project.id}`)).status).toBe(404);
    expect((await as(owner, `/runs/${active.id}`)).body).toMatchObject({ status: "cancelled" });
    expect(await fleet.job(queued.jobId as string)).toMatchObject({ status: "cancelled" });
    const runs = (await as(owner, `/projects/${project.id}/runs`)).body.items;
    expect(runs.map((run: { kind: string; id: string }) => run.kind)).toEqual([
      "undeploy",
      "devops",
      "devops",
    ]);
    const undeploy = runs[0];
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const held = await as(owner, `/allocations?projectId=${project.id}`);
    expect(held.body.items.map((item: { port: number }) => item.port)).toEqual([port]);

    // The slot frees; the undeploy runs.
    await fleet.call(`/jobs/${blocker.id}/cancel`, {});
    const undeployed = await finished(undeploy.id);
    expect(undeployed, undeployed.error).toMatchObject({ status: "succeeded", error: null });
    const timeline = await steps(undeploy.id);
    expect(timeline.map((step) => [step.name, step.status])).toEqual([
      ["plan", "succeeded"],
      ["undeploy local", "succeeded"],
      ["release", "succeeded"],
      ["archive repository", "succeeded"],
    ]);
    expect(timeline[0]?.detail).toEqual({ servers: ["local"], repository: "tidy-api" });
    expect(timeline[2]?.detail).toEqual({ released: [port], kept: [] });
    expect(timeline[3]?.detail).toEqual({ fullName: `${OWNER}/tidy-api`, archived: true });
    const job = await fleet.call(`/jobs/${timeline[1]?.jobId}`);
    expect(job.spec).toMatchObject({ playbook: "undeploy_project", vars: { project: "tidy-api" } });

    // The service is gone from the server: nothing answers, no process, no directory, no user.
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    expect(await listening(port)).toBe(false);
    expect(await processesOf(uid)).toEqual([]);
    expect(existsSync(path.join(deployRoot, "tidy-api"))).toBe(false);
    expect(spawnSync("getent", ["passwd", user]).status).toBe(2);

    // Its port is free; its deployments say so.
    expect((await as(owner, `/allocations?projectId=${project.id}`)).body.items).toEqual([]);
    expect(
      await queryD1(fleet.dir, "SELECT port FROM port_allocations WHERE project_id = ?", project.id),
    ).toEqual([]);
    expect(
      await queryD1(fleet.dir, "SELECT status FROM deployments WHERE project_id = ?", project.id),
    ).toEqual([{ status: "undeployed" }]);

    // The repository is archived through the App, with a token for it alone.
    expect([...github.archived]).toEqual([`${OWNER}/tidy-api`]);
    expect(github.tokens).toContainEqual(
      expect.objectContaining({ repositories: ["tidy-api"], permissions: { administration: "write" } }),
    );

    // Its history stays the owner's (and admins') to read; to another member it does not exist.
    for (const run of [deploy, active, undeploy]) {
      expect((await as(owner, `/runs/${run.id}`)).status).toBe(200);
      expect((await as(owner, `/runs/${run.id}/steps`)).body.items.length).toBeGreaterThan(0);
      expect((await fleet.call(`/runs/${run.id}`)).id).toBe(run.id);
      const missing = run.id.replace(/.$/, (c: string) => (c === "0" ? "1" : "0"));
      for (const route of [`/runs/${run.id}`, `/runs/${run.id}/steps`]) {
        const theirs = await as(stranger, route);
        expect(theirs.status, route).toBe(404);
        expect(theirs).toEqual(await as(stranger, route.replace(run.id, missing)));
      }
    }
    expect((await fleet.call(`/projects/${project.id}/runs`)).items).toHaveLength(3);
    expect((await as(stranger, `/projects/${project.id}/runs`)).status).toBe(404);
    expect((await as(owner, `/runs/${active.id}/cancel`, {})).status).toBe(409);
  });
});
