import { describe, expect, it } from "vitest";
import { createProject, createServer, createUser, expectStatus, unique } from "./helpers.ts";

describe("port allocation", () => {
  it("hands 50 concurrent requests 50 distinct ports, then answers 409 on the full server", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const server = await createServer({ portRangeStart: 8000, portRangeEnd: 8049 });

    // The admin allocates: 50 ports are past a member's quota (quotas.test.ts), admins are exempt.
    const allocations = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        expectStatus(201, "/allocations", {
          body: { projectId: project.id, service: `svc-${i}`, serverId: server.id },
        }),
      ),
    );
    const ports = allocations.map((a) => a.port).sort((a, b) => a - b);
    expect(new Set(ports).size).toBe(50);
    expect(ports[0]).toBe(8000);
    expect(ports[49]).toBe(8049);

    const full = await expectStatus(409, "/allocations", {
      body: { projectId: project.id, service: "one-too-many", serverId: server.id },
    });
    expect(full.error.code).toBe("no_capacity");
  });

  it("reuses the first freed port", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const server = await createServer();
    const body = (service: string) => ({ projectId: project.id, service, serverId: server.id });
    const a = await expectStatus(201, "/allocations", { key: member.key, body: body("a") });
    const b = await expectStatus(201, "/allocations", { key: member.key, body: body("b") });
    expect([a.port, b.port]).toEqual([8000, 8001]);
    await expectStatus(204, `/allocations/${a.id}`, { method: "DELETE", key: member.key });
    const c = await expectStatus(201, "/allocations", { key: member.key, body: body("c") });
    expect(c.port).toBe(8000);
  });

  it("picks the active server with the most free memory among those with the labels", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const pool = unique("pool");
    const small = await createServer({ labels: { pool }, memoryMb: 2048 });
    const big = await createServer({ labels: { pool }, memoryMb: 4096 });
    await createServer({ labels: { pool }, memoryMb: 65536, status: "maintenance" });
    await createServer({ labels: { pool: "elsewhere" }, memoryMb: 65536 });

    const first = await expectStatus(201, "/allocations", {
      key: member.key,
      body: { projectId: project.id, service: "api", labels: { pool }, memoryMb: 3000 },
    });
    expect(first.serverId).toBe(big.id);
    // big now has 1096 MB free, small 2048: the next goes to small.
    const second = await expectStatus(201, "/allocations", {
      key: member.key,
      body: { projectId: project.id, service: "worker", labels: { pool }, memoryMb: 1000 },
    });
    expect(second.serverId).toBe(small.id);
    const none = await expectStatus(409, "/allocations", {
      key: member.key,
      body: { projectId: project.id, service: "huge", labels: { pool }, memoryMb: 2500 },
    });
    expect(none.error.code).toBe("no_capacity");
  });

  it("answers 404 for an unknown server and lists only the caller's allocations", async () => {
    const alice = await createUser();
    const bob = await createUser();
    const project = await createProject(alice.key);
    await expectStatus(404, "/allocations", {
      key: alice.key,
      body: { projectId: project.id, service: "web", serverId: "01ARZ3NDEKTSV4RRFFQ69G5FAV" },
    });
    const server = await createServer();
    const mine = await expectStatus(201, "/allocations", {
      key: alice.key,
      body: { projectId: project.id, service: "web", serverId: server.id },
    });
    const bobs = await expectStatus(200, `/allocations?serverId=${server.id}`, { key: bob.key });
    expect(bobs.items).toEqual([]);
    const alices = await expectStatus(200, `/allocations?serverId=${server.id}`, { key: alice.key });
    expect(alices.items).toEqual([mine]);
    await expectStatus(404, `/allocations/${mine.id}`, { method: "DELETE", key: bob.key });
  });

  it("releases a deleted project's ports, and refuses to remove a server still in use", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const server = await createServer();
    await expectStatus(201, "/allocations", {
      key: member.key,
      body: { projectId: project.id, service: "web", serverId: server.id },
    });
    await expectStatus(409, `/servers/${server.id}`, { method: "DELETE" });
    await expectStatus(204, `/projects/${project.id}`, { method: "DELETE", key: member.key });
    const left = await expectStatus(200, `/allocations?serverId=${server.id}`);
    expect(left.items).toEqual([]);
    await expectStatus(204, `/servers/${server.id}`, { method: "DELETE" });
  });
});

describe("servers", () => {
  it("are created with defaults, updated, and keep names unique", async () => {
    const server = await createServer({ labels: { region: "local" } });
    expect(server).toMatchObject({ sshPort: 22, sshUser: "root", portRangeStart: 8000, portRangeEnd: 8999 });
    await expectStatus(409, "/servers", {
      body: { name: server.name, host: "127.0.0.2", memoryMb: 1, cpuCores: 1 },
    });
    const updated = await expectStatus(200, `/servers/${server.id}`, {
      method: "PATCH",
      body: { status: "maintenance", memoryMb: 1024 },
    });
    expect(updated).toMatchObject({ status: "maintenance", memoryMb: 1024, labels: { region: "local" } });
    await expectStatus(400, "/servers", {
      body: {
        name: unique("srv"),
        host: "h",
        memoryMb: 1,
        cpuCores: 1,
        portRangeStart: 9000,
        portRangeEnd: 8000,
      },
    });
    await expectStatus(409, `/servers/${server.id}`, { method: "PATCH", body: { portRangeStart: 9999 } });
  });
});
