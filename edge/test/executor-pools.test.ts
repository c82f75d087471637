/**
 * Executor pools and capabilities are the admin's, not the executor's: a stolen token of one pool
 * gets that pool's jobs and secrets only, with the capabilities the admin allowed that executor.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect, createExecutor, hello } from "./executor-socket.ts";
import { createProject, createUser, expectStatus, unique } from "./helpers.ts";

const CANARY = "canary-pool-prod-secret-5f1e9a";
const ALL = ["exec", "copier", "git", "agent", "container", "ansible", "test", "docker", "sysbox"];

/** A project of the `prod` pool holding the canary secret. */
async function prodProject(pool: string) {
  const member = await createUser();
  const project = await createProject(member.key);
  await expectStatus(200, `/projects/${project.id}`, { method: "PATCH", body: { pool } });
  await expectStatus(200, `/projects/${project.id}/secrets/PROD_TOKEN`, {
    method: "PUT",
    key: member.key,
    body: { value: CANARY },
  });
  // Choosing a pool is the admin's: the member may not move the project.
  await expectStatus(403, `/projects/${project.id}`, {
    method: "PATCH",
    key: member.key,
    body: { pool: "dev" },
  });
  return project;
}

const secretJob = (pool: string, projectId: string) => ({
  kind: "exec",
  spec: { command: ["sh", "-c", 'test -n "$TOKEN"'] },
  labels: { pool },
  secrets: { TOKEN: { projectId, name: "PROD_TOKEN" } },
});

describe("executor pools", () => {
  it("a rogue executor of pool dev never receives a job or a secret of pool prod", async () => {
    const [dev, prod] = [unique("dev"), unique("prod")];
    const project = await prodProject(prod);
    const rogue = await connect((await createExecutor({ pool: dev })).token);
    // It claims the prod pool, every capability and a huge capacity: only its admin's pool counts.
    await hello(rogue, { labels: { pool: prod }, capabilities: ALL, capacity: 1024 });
    const listed = (await expectStatus(200, "/executors")).items;
    expect(listed.find((e: { labels: { pool: string } }) => e.labels.pool === dev)).toMatchObject({
      pool: dev,
      labels: { pool: dev },
    });

    const prodJob = await expectStatus(201, "/jobs", { body: secretJob(prod, project.id) });
    // A job of its own pool that names the prod project's secret: sent, but never with the value.
    const stolen = await expectStatus(201, "/jobs", { body: secretJob(dev, project.id) });
    await expect
      .poll(async () => (await expectStatus(200, `/jobs/${stolen.id}`)).status, { timeout: 5_000 })
      .toBe("failed");
    expect((await expectStatus(200, `/jobs/${stolen.id}`)).error).toBe(
      `Secret PROD_TOKEN of project ${project.id} (for TOKEN) is not given to executors of pool ${dev}.`,
    );
    expect((await expectStatus(200, `/jobs/${prodJob.id}`)).status).toBe("queued");

    // The prod pool's own executor takes the prod job, with its secret.
    const honest = await connect((await createExecutor({ pool: prod })).token);
    await hello(honest, { capabilities: ["exec"] });
    expect(await honest.next("assign")).toMatchObject({ jobId: prodJob.id, secrets: { TOKEN: CANARY } });
    expect(JSON.stringify(rogue.inbox)).not.toContain(CANARY);
    expect(rogue.inbox.filter((frame) => frame.type === "assign")).toEqual([]);
    rogue.ws.close();
    honest.ws.close();
  });

  it("an executor advertises only the capabilities its admin allowed", async () => {
    const pool = unique("narrow");
    const created = await createExecutor({ pool, capabilities: ["exec"] });
    const socket = await connect(created.token);
    await hello(socket, { capabilities: ["exec", "ansible", "docker"] });
    const listed = (await expectStatus(200, "/executors")).items.find(
      (e: { id: string }) => e.id === created.id,
    );
    expect(listed).toMatchObject({ pool, allowedCapabilities: ["exec"], capabilities: ["exec"] });
    // A job needing a capability it claimed but was not allowed stays queued; one it may run goes.
    const git = await expectStatus(201, "/jobs", {
      body: { kind: "git", spec: { steps: [{ op: "init" }] }, labels: { pool } },
    });
    const exec = await expectStatus(201, "/jobs", {
      body: { kind: "exec", spec: { command: ["true"] }, labels: { pool } },
    });
    expect(await socket.next("assign")).toMatchObject({ jobId: exec.id });
    expect((await expectStatus(200, `/jobs/${git.id}`)).status).toBe("queued");
    expect(socket.inbox.filter((frame) => frame.type === "assign")).toHaveLength(1);
    socket.ws.close();
  });

  it("the hub accepts only the Worker's connections, which carry the admin's policy", async () => {
    const hub = env.EXECUTOR_HUB.getByName("default");
    const response = await hub.fetch(
      new Request("http://hub/connect", { headers: { upgrade: "websocket", "x-executor-id": "01JROGUE" } }),
    );
    expect(response.status).toBe(400);
  });
});
