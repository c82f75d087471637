import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createProject, createUser, expectStatus } from "./helpers.ts";

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
