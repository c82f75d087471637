import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { memberQuotas } from "../src/domain/quotas.ts";
import { place } from "../src/pipelines/devops/allocate.ts";
import {
  type CallOptions,
  createProject,
  createServer,
  createUser,
  expectStatus,
  type Member,
  unique,
} from "./helpers.ts";

const quotas = memberQuotas(env);

/** A refusal for the quota, naming it and its limit, and nothing about the servers. */
async function expectQuotaExceeded(path: string, options: CallOptions, quota: string, limit: number) {
  const body = await expectStatus(409, path, options);
  expect(body.error.code).toBe("quota_exceeded");
  expect(body.error.details).toEqual({ quota, limit });
  expect(body.error.message).toContain(String(limit));
  return body;
}

/** Nothing in the JSON names the server, its address, or what it has free. */
function expectNoServerDetail(body: unknown, server: { id: string; name: string; host: string }) {
  const text = JSON.stringify(body);
  for (const secret of [server.id, server.name, server.host, "MB free"]) expect(text).not.toContain(secret);
}

const allocate = (key: string | undefined, body: Record<string, unknown>): CallOptions => ({
  ...(key ? { key } : {}),
  method: "POST",
  body,
});

describe("member quotas", () => {
  it("cap a member's live projects; deleting one frees a place; admins are exempt", async () => {
    const member = await createUser();
    const projects = [];
    for (let i = 0; i < quotas.projects; i++) projects.push(await createProject(member.key));
    const extra = { key: member.key, body: { name: unique("One too many") } };
    await expectQuotaExceeded("/projects", extra, "projects", quotas.projects);

    await expectStatus(204, `/projects/${projects[0].id}`, { method: "DELETE", key: member.key });
    await createProject(member.key);
    await expectQuotaExceeded("/projects", extra, "projects", quotas.projects);
    // An admin may still create one for them.
    await expectStatus(201, "/projects", { body: { name: unique("By admin"), ownerId: member.id } });
  });

  it("cap a member's runs in progress; a cancelled run frees a place; admins are exempt", async () => {
    const member = await createUser();
    // With a repository, a DevOps run waits at its first job (no executor here): it stays active.
    const project = () =>
      createProject(member.key, { repoUrl: `https://git.example.test/${unique("q")}.git` });
    const start = (projectId: string, key?: string) =>
      expectStatus(201, `/projects/${projectId}/runs`, { ...(key ? { key } : {}), body: { kind: "devops" } });
    const cancel = (runId: string) =>
      expectStatus(200, `/runs/${runId}/cancel`, { method: "POST", key: member.key });
    const active = [];
    for (let i = 0; i < quotas.activeRuns; i++) active.push(await start((await project()).id, member.key));
    const spare = await project();
    const refused = { key: member.key, body: { kind: "devops" } };
    await expectQuotaExceeded(`/projects/${spare.id}/runs`, refused, "active_runs", quotas.activeRuns);

    const cancelled = active.shift();
    await cancel(cancelled.id);
    active.push(await start(spare.id, member.key));
    const again = `/projects/${cancelled.projectId}/runs`;
    await expectQuotaExceeded(again, refused, "active_runs", quotas.activeRuns);
    // An admin may still start one on the member's project.
    active.push(await start(cancelled.projectId));
    for (const run of active) await cancel(run.id);
  }, 30_000);

  it("cap a member's ports, on the API and for a deploy; admins are exempt", async () => {
    const member: Member = await createUser();
    const project = await createProject(member.key);
    const server = await createServer({ host: "10.20.30.40", memoryMb: 1_000_000 });
    for (let i = 0; i < quotas.ports; i++) {
      await expectStatus(
        201,
        "/allocations",
        allocate(member.key, { projectId: project.id, service: `s-${i}` }),
      );
    }
    const body = await expectQuotaExceeded(
      "/allocations",
      allocate(member.key, { projectId: project.id, service: "extra", serverId: server.id }),
      "ports",
      quotas.ports,
    );
    expectNoServerDetail(body, server);
    // A deploy allocates as the project's owner: the run's timeline gets the same refusal.
    const placed = await place(env, database(env.DB), project.id, member.id);
    expect(placed).toEqual({ error: expect.stringContaining(`at most ${quotas.ports} ports`) });
    expectNoServerDetail(placed, server);
    await expectStatus(201, "/allocations", allocate(undefined, { projectId: project.id, service: "extra" }));
  });

  it("cap the memory a member's ports reserve; admins are exempt", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const server = await createServer({ host: "10.20.30.41", memoryMb: 1_000_000 });
    const ask = (service: string, memoryMb: number, key?: string) =>
      allocate(key, { projectId: project.id, service, serverId: server.id, memoryMb });
    // The request: a whole server's worth in one go.
    const huge = ask("huge", 16_777_216, member.key);
    expectNoServerDetail(
      await expectQuotaExceeded("/allocations", huge, "memory_mb", quotas.memoryMb),
      server,
    );
    await expectStatus(201, "/allocations", ask("most", quotas.memoryMb - 100, member.key));
    const more = ask("more", 101, member.key);
    expectNoServerDetail(
      await expectQuotaExceeded("/allocations", more, "memory_mb", quotas.memoryMb),
      server,
    );
    await expectStatus(201, "/allocations", ask("rest", 100, member.key));
    await expectStatus(201, "/allocations", ask("admin", quotas.memoryMb + 1));
  });
});

describe("allocation failures", () => {
  it("tell a member no server's name, host or free memory; an admin gets the detail", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const full = await createServer({ host: "10.20.30.42", memoryMb: 512 });
    const resting = await createServer({ host: "10.20.30.43", status: "maintenance" });
    for (const [server, memoryMb] of [
      [full, 1024],
      [resting, 0],
    ] as const) {
      const body = { projectId: project.id, service: "web", serverId: server.id, memoryMb };
      const refused = await expectStatus(409, "/allocations", allocate(member.key, body));
      expect(refused.error.code).toBe("no_capacity");
      expect(refused.error.details).toBeUndefined();
      expectNoServerDetail(refused, server);
      const forAdmin = await expectStatus(409, "/allocations", allocate(undefined, body));
      expect(forAdmin.error.message).toBe(refused.error.message);
      expect(forAdmin.error.details.server).toContain(server.name);
    }
  });
});
