import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../src/ids.ts";
import {
  ADMIN_KEY,
  type CallOptions,
  call,
  createProject,
  createUser,
  expectStatus,
  unique,
} from "./helpers.ts";

type Step = { name: string; status: string; jobId: string | null; detail: Record<string, unknown> | null };

async function answer(path: string, options: CallOptions) {
  const response = await call(path, options);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** The run's step once it has one of this name (a workflow writes it, here without an executor). */
const stepOf = (runId: string, key: string, name: (step: Step) => boolean) =>
  expect
    .poll(
      async () =>
        (await expectStatus<{ items: Step[] }>(200, `/runs/${runId}/steps`, { key })).items.find(name),
      { timeout: 20_000 },
    )
    .toMatchObject({ status: "running", jobId: expect.any(String) });

const steps = async (runId: string, key: string) =>
  (await expectStatus<{ items: Step[] }>(200, `/runs/${runId}/steps`, { key })).items;

const portsOf = async (projectId: string) =>
  (
    await env.DB.prepare("select count(*) as n from port_allocations where project_id = ?")
      .bind(projectId)
      .first<{ n: number }>()
  )?.n;

async function server(fields: Record<string, unknown> = {}) {
  return expectStatus(201, "/servers", {
    key: ADMIN_KEY,
    body: { name: unique("srv"), host: "10.0.0.21", memoryMb: 1024, cpuCores: 1, ...fields },
  });
}

describe("deleting a project", () => {
  it("cancels its runs and their jobs; the runs stay the owner's and admins' to read, and 404 to others", async () => {
    const owner = await createUser();
    const stranger = await createUser();
    const project = await createProject(owner.key, { repoUrl: "https://git.example.test/gone.git" });
    // Without an executor, the DevOps run waits at its first job: it is active, with a job queued.
    const run = await expectStatus(201, `/projects/${project.id}/runs`, {
      key: owner.key,
      body: { kind: "devops" },
    });
    await stepOf(run.id, owner.key, (step) => step.name === "inspect");
    const jobId = (await steps(run.id, owner.key)).find((step) => step.name === "inspect")?.jobId;
    const srv = await server();
    await expectStatus(201, "/allocations", {
      key: owner.key,
      body: { projectId: project.id, service: "web", serverId: srv.id },
    });

    await expectStatus(204, `/projects/${project.id}`, { method: "DELETE", key: owner.key });

    // The run is cancelled, its job too; nothing was deployed, so no undeploy and the port is free.
    for (const key of [owner.key, ADMIN_KEY])
      expect(await expectStatus(200, `/runs/${run.id}`, { key })).toMatchObject({
        status: "cancelled",
        finishedAt: expect.any(String),
      });
    expect(await expectStatus(200, `/jobs/${jobId}`, { key: ADMIN_KEY })).toMatchObject({
      status: "cancelled",
    });
    expect((await steps(run.id, owner.key)).find((step) => step.name === "inspect")).toMatchObject({
      status: "failed",
      detail: { jobStatus: "cancelled" },
    });
    const listed = await expectStatus(200, `/projects/${project.id}/runs`, { key: owner.key });
    expect(listed.items.map((item: { id: string; kind: string }) => [item.id, item.kind])).toEqual([
      [run.id, "devops"],
    ]);
    expect(await portsOf(project.id)).toBe(0);
    await expectStatus(409, `/runs/${run.id}/cancel`, { method: "POST", key: owner.key });

    // Another member: exactly like a run (or project) that does not exist.
    const requests: [string, CallOptions][] = [
      [`/runs/${run.id}`, {}],
      [`/runs/${run.id}/steps`, {}],
      [`/runs/${run.id}/cancel`, { method: "POST" }],
      [`/projects/${project.id}/runs`, {}],
    ];
    for (const [path, options] of requests) {
      const theirs = await answer(path, { ...options, key: stranger.key });
      const missing = await answer(path.replace(/(runs|projects)\/[0-9A-Z]{26}/, `$1/${newId()}`), {
        ...options,
        key: stranger.key,
      });
      expect(theirs.status, path).toBe(404);
      expect(theirs, path).toEqual(missing);
    }

    // For everything else the project is gone, even for its owner; its slug is free again.
    await expectStatus(404, `/projects/${project.id}`, { key: owner.key });
    await expectStatus(404, `/projects/${project.id}/runs`, { key: owner.key, body: { kind: "devops" } });
    await expectStatus(404, `/projects/${project.id}/secrets`, { key: owner.key });
    await expectStatus(404, `/projects/${project.id}`, { method: "DELETE", key: owner.key });
    await createProject(owner.key, { name: project.name, slug: project.slug });
  }, 60_000);

  it("with a deployment, queues an undeploy run that holds the ports until the service is removed", async () => {
    const owner = await createUser();
    const project = await createProject(owner.key, { repoUrl: "https://git.example.test/deployed.git" });
    const knownHosts =
      "10.0.0.22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    const srv = await server({
      host: "10.0.0.22",
      knownHosts,
      deployRoot: "/srv/co",
      serviceManager: "systemd",
    });
    const allocation = await expectStatus(201, "/allocations", {
      key: owner.key,
      body: { projectId: project.id, service: "web", serverId: srv.id },
    });
    // What a DevOps run records when it deploys (the pipeline itself is tested end to end).
    await env.DB.prepare(
      "insert into deployments (id, project_id, server_id, commit_sha, url, status, created_at) values (?, ?, ?, ?, ?, 'deployed', ?)",
    )
      .bind(newId(), project.id, srv.id, "a".repeat(40), `http://10.0.0.22:${allocation.port}`, Date.now())
      .run();

    await expectStatus(204, `/projects/${project.id}`, { method: "DELETE", key: owner.key });

    const { items } = await expectStatus(200, `/projects/${project.id}/runs`, { key: owner.key });
    expect(items).toMatchObject([{ kind: "undeploy" }]);
    const undeploy = items[0];
    await stepOf(undeploy.id, owner.key, (step) => step.name === `undeploy ${srv.name}`);
    const timeline = await steps(undeploy.id, owner.key);
    expect(timeline[0]).toMatchObject({
      name: "plan",
      status: "succeeded",
      detail: { servers: [srv.name], repository: null },
    });
    // The playbook for the recorded server, named by the project's resource name.
    const jobId = timeline.find((step) => step.name === `undeploy ${srv.name}`)?.jobId;
    const job = await expectStatus(200, `/jobs/${jobId}`, { key: ADMIN_KEY });
    expect(job.spec).toMatchObject({
      playbook: "undeploy_project",
      target: { host: "10.0.0.22", knownHosts, acceptNewHostKey: false },
      vars: { project: project.resourceName, deploy_root: "/srv/co", service_manager: "systemd" },
    });
    // The service may still run: its port stays allocated (and listed) until it is removed.
    expect(await portsOf(project.id)).toBe(1);
    const held = await expectStatus(200, `/allocations?projectId=${project.id}`, { key: owner.key });
    expect(held.items.map((item: { id: string }) => item.id)).toEqual([allocation.id]);

    // The owner may still cancel it: its job is cancelled, and the port kept.
    const cancelled = await expectStatus(200, `/runs/${undeploy.id}/cancel`, {
      method: "POST",
      key: owner.key,
    });
    expect(cancelled).toMatchObject({ kind: "undeploy", status: "cancelled" });
    expect(await expectStatus(200, `/jobs/${jobId}`, { key: ADMIN_KEY })).toMatchObject({
      status: "cancelled",
    });
    expect(await portsOf(project.id)).toBe(1);
  }, 60_000);

  it("never contacts a server without a pinned host key: the undeploy fails and keeps that port", async () => {
    const owner = await createUser();
    const project = await createProject(owner.key);
    const srv = await server({ host: "10.0.0.23" });
    const allocation = await expectStatus(201, "/allocations", {
      key: owner.key,
      body: { projectId: project.id, service: "web", serverId: srv.id },
    });
    await env.DB.prepare(
      "insert into deployments (id, project_id, server_id, status, created_at) values (?, ?, ?, 'failed', ?)",
    )
      .bind(newId(), project.id, srv.id, Date.now())
      .run();

    await expectStatus(204, `/projects/${project.id}`, { method: "DELETE", key: owner.key });
    const [undeploy] = (await expectStatus(200, `/projects/${project.id}/runs`, { key: owner.key })).items;
    await expect
      .poll(async () => (await expectStatus(200, `/runs/${undeploy.id}`, { key: owner.key })).status, {
        timeout: 20_000,
      })
      .toBe("failed");
    const run = await expectStatus(200, `/runs/${undeploy.id}`, { key: owner.key });
    expect(run.error).toContain(`${srv.name} has no pinned host key`);
    expect(run.error).toContain(`Ports ${allocation.port} stay allocated to the deleted project`);
    expect((await steps(undeploy.id, owner.key)).map((step) => [step.name, step.status])).toEqual([
      ["plan", "succeeded"],
      [`undeploy ${srv.name}`, "failed"],
      ["release", "succeeded"],
    ]);
    // No job was sent there, and the port is still the deleted project's (listed, releasable).
    expect((await steps(undeploy.id, owner.key)).every((step) => step.jobId === null)).toBe(true);
    expect(await portsOf(project.id)).toBe(1);
    await expectStatus(204, `/allocations/${allocation.id}`, { method: "DELETE", key: ADMIN_KEY });
    expect(await portsOf(project.id)).toBe(0);
  }, 60_000);

  it("an undeploy run is never started by hand", async () => {
    const owner = await createUser();
    const project = await createProject(owner.key);
    const refused = await expectStatus(400, `/projects/${project.id}/runs`, {
      key: owner.key,
      body: { kind: "undeploy" },
    });
    expect(refused.error.code).toBe("invalid_request");
  });
});
