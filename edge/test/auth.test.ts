import { describe, expect, it } from "vitest";
import { ADMIN_KEY, call, createProject, createUser, expectStatus } from "./helpers.ts";

describe("authentication", () => {
  it("refuses a request without a key, with the JSON error envelope", async () => {
    const body = await expectStatus(401, "/projects", { key: null });
    expect(body).toEqual({ error: { code: "unauthorized", message: expect.stringContaining("Bearer") } });
  });

  it.each([
    ["a non-Bearer scheme", "Basic dXNlcjpwYXNz"],
    ["an empty token", "Bearer "],
    ["a token with spaces", "Bearer not a token"],
  ])("refuses %s with 401", async (_, authorization) => {
    const response = await call("/projects", { key: null, headers: { authorization } });
    expect(response.status).toBe(401);
    expect((await response.json<any>()).error.code).toBe("unauthorized");
  });

  it("refuses an unknown key", async () => {
    await expectStatus(401, "/projects", { key: "co_this-key-was-never-issued" });
  });

  it("accepts the bootstrap admin key and a created key; refuses a revoked one", async () => {
    const me = await expectStatus(200, "/users/me", { key: ADMIN_KEY });
    expect(me.role).toBe("admin");

    const member = await createUser();
    expect((await expectStatus(200, "/users/me", { key: member.key })).id).toBe(member.id);

    const keys = await expectStatus(200, "/api-keys", { key: member.key });
    expect(keys.items).toHaveLength(1);
    const listed = keys.items[0];
    expect(listed).not.toHaveProperty("key");
    expect(member.key.startsWith(listed.prefix)).toBe(true);

    const revoked = await expectStatus(200, `/api-keys/${listed.id}`, { method: "DELETE", key: member.key });
    expect(revoked.revokedAt).not.toBeNull();
    await expectStatus(401, "/users/me", { key: member.key });
  });

  it("stores keys hashed, never in clear", async () => {
    const member = await createUser();
    const { env } = await import("cloudflare:test");
    const rows = await env.DB.prepare("select * from api_keys where user_id = ?").bind(member.id).all();
    expect(JSON.stringify(rows.results)).not.toContain(member.key);
  });

  it("refuses the keys of a blocked user", async () => {
    const member = await createUser();
    await expectStatus(200, `/users/${member.id}`, { method: "PATCH", body: { status: "blocked" } });
    await expectStatus(401, "/users/me", { key: member.key });
  });

  it("enforces scopes: a read-only key can read but not write", async () => {
    const member = await createUser("member", ["read"]);
    await expectStatus(200, "/projects", { key: member.key });
    const body = await expectStatus(403, "/projects", { key: member.key, body: { name: "nope" } });
    expect(body.error.code).toBe("forbidden");
  });

  it("will not let a key grant scopes its creator lacks", async () => {
    const member = await createUser("member", ["read", "write"]);
    const readOnly = await expectStatus(201, "/api-keys", {
      key: member.key,
      body: { name: "ro", scopes: ["read"] },
    });
    expect(readOnly.scopes).toEqual(["read"]);
  });
});

describe("authorization", () => {
  it("hides another member's project (404), whatever headers claim", async () => {
    const alice = await createUser();
    const bob = await createUser();
    const project = await createProject(alice.key);
    const impersonation = { "x-user-id": alice.id, "x-telegram-user-id": "1", "x-owner-id": alice.id };

    for (const [method, path, body] of [
      ["GET", `/projects/${project.id}`, undefined],
      ["PATCH", `/projects/${project.id}`, { name: "stolen" }],
      ["DELETE", `/projects/${project.id}`, undefined],
      ["GET", `/projects/${project.id}/secrets`, undefined],
      ["PUT", `/projects/${project.id}/secrets/TOKEN`, { value: "x" }],
      ["POST", "/allocations", { projectId: project.id, service: "web" }],
    ] as const) {
      const response = await call(path, { method, key: bob.key, body, headers: impersonation });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    const listed = await expectStatus(200, "/projects", { key: bob.key, headers: impersonation });
    expect(listed.items.map((p: any) => p.id)).not.toContain(project.id);
    await expectStatus(403, `/projects?ownerId=${alice.id}`, { key: bob.key });
    await expectStatus(403, "/projects", { key: bob.key, body: { name: "x", ownerId: alice.id } });

    // Alice's project is untouched.
    const after = await expectStatus(200, `/projects/${project.id}`, { key: alice.key });
    expect(after.name).toBe(project.name);
  });

  it("lets an admin see and change any member's project", async () => {
    const alice = await createUser();
    const project = await createProject(alice.key);
    const admin = await createUser("admin");
    await expectStatus(200, `/projects/${project.id}`, { key: admin.key });
    const all = await expectStatus(200, `/projects?ownerId=${alice.id}`, { key: admin.key });
    expect(all.items.map((p: any) => p.id)).toEqual([project.id]);
  });

  it.each([
    ["GET", "/users", undefined],
    ["POST", "/users", { name: "Mallory", role: "admin" }],
    ["GET", "/servers", undefined],
    ["POST", "/servers", { name: "box", host: "127.0.0.1", memoryMb: 1024, cpuCores: 1 }],
  ])("answers 403 to a member on the admin-only %s %s", async (method, path, body) => {
    const member = await createUser();
    const response = await expectStatus(403, path, { method, key: member.key, body });
    expect(response.error.code).toBe("forbidden");
  });

  it("keeps members to their own keys", async () => {
    const alice = await createUser();
    const bob = await createUser();
    await expectStatus(403, "/api-keys", { key: bob.key, body: { name: "k", userId: alice.id } });
    const aliceKeys = await expectStatus(200, "/api-keys", { key: alice.key });
    await expectStatus(404, `/api-keys/${aliceKeys.items[0].id}`, { method: "DELETE", key: bob.key });
    await expectStatus(200, "/users/me", { key: alice.key });
  });
});
