import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createProject, createUser, expectStatus, unique } from "./helpers.ts";

describe("projects", () => {
  it("are created with a slug from the name, read, updated and listed", async () => {
    const member = await createUser();
    const project = await expectStatus(201, "/projects", {
      key: member.key,
      body: { name: "Café Orders API!", modules: ["postgres"], templateSource: "gh:org/template" },
    });
    expect(project).toMatchObject({
      ownerId: member.id,
      slug: "cafe-orders-api",
      status: "draft",
      modules: ["postgres"],
      templateSource: "gh:org/template",
      templateRef: null,
    });
    const updated = await expectStatus(200, `/projects/${project.id}`, {
      method: "PATCH",
      key: member.key,
      body: { description: "Takes orders", repoUrl: "https://example.invalid/org/cafe.git" },
    });
    expect(updated).toMatchObject({ description: "Takes orders", slug: "cafe-orders-api" });
    expect(await expectStatus(200, `/projects/${project.id}`, { key: member.key })).toEqual(updated);
  });

  it("import repositories only from the operator's hosts, over https, one project each", async () => {
    const member = await createUser();
    const create = (repoUrl: string) =>
      call("/projects", { key: member.key, body: { name: unique("imported"), repoUrl } });
    for (const repoUrl of [
      "file:///srv/repos/shop-api.git",
      "http://git.example.test/acme/shop.git",
      "https://127.0.0.1/acme/shop.git",
      "https://localhost:8443/acme/shop.git",
      "https://10.0.0.7/acme/shop.git",
      "https://[::1]/acme/shop.git",
      "https://github.example.org/acme/shop.git",
      "https://user:pass@git.example.test/acme/shop.git",
      "ssh://git@git.example.test/acme/shop.git",
    ]) {
      const response = await create(repoUrl);
      expect(response.status, repoUrl).toBe(400);
      const body = (await response.json()) as { error: { code: string; details: unknown } };
      expect(body.error, repoUrl).toMatchObject({ code: "invalid_request", details: { field: "repoUrl" } });
    }
    const url = `https://git.example.test/acme/${unique("shop")}.git`;
    const first = await create(url);
    expect(first.status).toBe(201);
    // Another project (even the same member's) cannot name a repository a live project records.
    const again = await create(url);
    expect(again.status).toBe(409);
    const other = await createProject(member.key);
    await expectStatus(400, `/projects/${other.id}`, {
      method: "PATCH",
      key: member.key,
      body: { repoUrl: "file:///srv/repos/shop-api.git" },
    });
    await expectStatus(409, `/projects/${other.id}`, {
      method: "PATCH",
      key: member.key,
      body: { repoUrl: url },
    });
  });

  it("name their resources uniquely across owners, for good", async () => {
    const alice = await createUser();
    const bob = await createUser();
    const slug = unique("shop");
    const first = await createProject(alice.key, { slug });
    expect(first.resourceName).toBe(slug);
    const bobs = await createProject(bob.key, { slug });
    expect(bobs.resourceName).toBe(`${slug}-${bobs.id.slice(-6).toLowerCase()}`);
    // A deleted project keeps its name: its repository and directory are never handed on.
    await expectStatus(204, `/projects/${first.id}`, { method: "DELETE", key: alice.key });
    const again = await createProject(alice.key, { slug });
    expect(again.resourceName).toBe(`${slug}-${again.id.slice(-6).toLowerCase()}`);
    // A slug that starts with a digit gets the template's prefix.
    expect((await createProject(alice.key, { slug: `1${slug}` })).resourceName).toBe(`svc-1${slug}`);
  });

  it("keep slugs unique per owner, and free a slug on delete", async () => {
    const alice = await createUser();
    const bob = await createUser();
    const first = await createProject(alice.key, { slug: "shop" });
    const taken = await expectStatus(409, "/projects", {
      key: alice.key,
      body: { name: "Shop", slug: "shop" },
    });
    expect(taken.error.code).toBe("conflict");
    await createProject(bob.key, { slug: "shop" });

    await expectStatus(204, `/projects/${first.id}`, { method: "DELETE", key: alice.key });
    await expectStatus(404, `/projects/${first.id}`, { key: alice.key });
    const again = await createProject(alice.key, { slug: "shop" });
    expect(again.id).not.toBe(first.id);

    // Soft delete: the row stays for history.
    const row = await env.DB.prepare("select deleted_at from projects where id = ?").bind(first.id).first();
    expect(row?.deleted_at).toBeTypeOf("number");
  });

  it("let only admins set a status", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    await expectStatus(403, `/projects/${project.id}`, {
      method: "PATCH",
      key: member.key,
      body: { status: "deployed" },
    });
    const done = await expectStatus(200, `/projects/${project.id}`, {
      method: "PATCH",
      body: { status: "deployed" },
    });
    expect(done.status).toBe("deployed");
  });

  it("page through a list with a cursor", async () => {
    const member = await createUser();
    const created = [];
    for (let i = 0; i < 5; i++) created.push((await createProject(member.key)).id);
    const first = await expectStatus(200, "/projects?limit=2", { key: member.key });
    const second = await expectStatus(200, `/projects?limit=2&cursor=${first.nextCursor}`, {
      key: member.key,
    });
    const third = await expectStatus(200, `/projects?limit=2&cursor=${second.nextCursor}`, {
      key: member.key,
    });
    expect(third.nextCursor).toBeNull();
    expect([...first.items, ...second.items, ...third.items].map((p: any) => p.id)).toEqual(created);
  });

  it("write an audit row for every change, naming the actor", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    await expectStatus(200, `/projects/${project.id}`, {
      method: "PATCH",
      key: member.key,
      body: { name: "New" },
    });
    await expectStatus(204, `/projects/${project.id}`, { method: "DELETE", key: member.key });
    const rows = await env.DB.prepare(
      "select actor_id, action from audit_log where target_id = ? order by id",
    )
      .bind(project.id)
      .all();
    expect(rows.results).toEqual([
      { actor_id: member.id, action: "project.create" },
      { actor_id: member.id, action: "project.update" },
      { actor_id: member.id, action: "project.delete" },
    ]);
  });
});
