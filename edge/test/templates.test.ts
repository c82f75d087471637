/**
 * The template catalog in workerd: admins register and remove templates, a scripted executor
 * answers the inspect jobs of the check workflow, members read the ready templates only; bad
 * input is a 400, unknown ids 404s, every change one audit row.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_TEMPLATE_ID, PYTHON_TEMPLATE_ID } from "../src/domain/templates.ts";
import { createUser, expectStatus, unique } from "./helpers.ts";
import { COMMIT, inspector, modulesQuestion, nameQuestion, register, statusOf } from "./template-support.ts";

const auditActions = async (targetId: string) =>
  (
    await env.DB.prepare("select action, actor_id from audit_log where target_id = ? order by id")
      .bind(targetId)
      .all<{ action: string; actor_id: string | null }>()
  ).results;

describe("template catalog", () => {
  it("registers templates, checks them on an executor, and shows members the ready ones", async () => {
    const member = await createUser();
    const executor = await inspector();

    const builtin = await register({ source: { kind: "builtin", path: "python-service" }, tags: ["python"] });
    expect(builtin).toMatchObject({
      status: "checking",
      default: false,
      tags: ["python"],
      source: { kind: "builtin", path: "python-service" },
      questions: null,
      version: null,
      error: null,
    });
    const git = await register({
      source: { kind: "git", url: "https://git.example.test/service.git", version: ">=1,<2" },
    });
    const broken = await register({
      source: { kind: "git", url: "https://git.example.test/broken.git", version: "~=1.4" },
    });

    // The built-in templates (registered on first use) and the three registrations are checked.
    await expect.poll(() => executor.checked.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
    expect(executor.checked).toEqual(
      expect.arrayContaining([
        { path: "node-service" },
        { path: "python-service" },
        { url: "https://git.example.test/service.git", version: ">=1,<2" },
        { url: "https://git.example.test/broken.git", version: "~=1.4" },
      ]),
    );
    await expect.poll(() => statusOf(git.id), { timeout: 10_000 }).toBe("ready");
    await expect.poll(() => statusOf(broken.id), { timeout: 10_000 }).toBe("invalid");
    await expect.poll(() => statusOf(builtin.id), { timeout: 10_000 }).toBe("ready");
    await expect.poll(() => statusOf(DEFAULT_TEMPLATE_ID), { timeout: 10_000 }).toBe("ready");
    await expect.poll(() => statusOf(PYTHON_TEMPLATE_ID), { timeout: 10_000 }).toBe("ready");

    const ready = await expectStatus(200, `/templates/${git.id}`);
    expect(ready).toMatchObject({
      questions: [nameQuestion, modulesQuestion],
      subdirectory: "template",
      messages: { beforeCopy: "", afterCopy: "{{ name }} is ready" },
      version: { tag: "v1.2.0", commit: COMMIT },
      error: null,
    });
    expect(ready.checkedAt).toEqual(expect.any(String));
    expect(await expectStatus(200, `/templates/${broken.id}`)).toMatchObject({
      status: "invalid",
      questions: null,
      error: {
        code: "invalid_template",
        message: "invalid YAML: unexpected end",
        file: "copier.yml",
        line: 3,
      },
    });

    // Members read the ready ones only; an invalid one is "not found", exactly like a missing one.
    const seen = await expectStatus(200, "/templates?limit=200", { key: member.key });
    const ids = seen.items.map((t: { id: string }) => t.id);
    expect(ids).toEqual(
      expect.arrayContaining([DEFAULT_TEMPLATE_ID, PYTHON_TEMPLATE_ID, builtin.id, git.id]),
    );
    expect(ids).not.toContain(broken.id);
    expect(seen.items.every((t: { status: string }) => t.status === "ready")).toBe(true);
    expect(seen.items.find((t: { id: string }) => t.id === DEFAULT_TEMPLATE_ID)).toMatchObject({
      name: "node-service",
      default: true,
      source: { kind: "builtin", path: "node-service" },
    });
    expect(seen.items.find((t: { id: string }) => t.id === PYTHON_TEMPLATE_ID)).toMatchObject({
      name: "python-service",
      title: "Python HTTP service",
      default: false,
      source: { kind: "builtin", path: "python-service" },
    });
    await expectStatus(404, `/templates/${broken.id}`, { key: member.key });
    expect((await expectStatus(200, "/templates?status=invalid", { key: member.key })).items).toEqual([]);
    const invalid = await expectStatus(200, "/templates?status=invalid&limit=200");
    expect(invalid.items.map((t: { id: string }) => t.id)).toContain(broken.id);
    executor.stop();
  });

  it("lets only admins register and remove templates; keeps the default; audits each change", async () => {
    const member = await createUser();
    const body = {
      name: unique("tpl"),
      title: "T",
      description: "D",
      source: { kind: "builtin", path: "x" },
    };
    await expectStatus(403, "/templates", { key: member.key, body });
    const created = await register({ source: { kind: "builtin", path: "node-service" } });
    await expectStatus(403, `/templates/${created.id}`, { key: member.key, method: "DELETE" });
    await expectStatus(409, `/templates/${DEFAULT_TEMPLATE_ID}`, { method: "DELETE" });

    const taken = await expectStatus(409, "/templates", { body: { ...body, name: created.name } });
    expect(taken.error.details).toMatchObject({ field: "name", templateId: created.id });

    await expectStatus(204, `/templates/${created.id}`, { method: "DELETE" });
    await expectStatus(404, `/templates/${created.id}`);
    await expectStatus(404, `/templates/${created.id}`, { method: "DELETE" });
    // The name is free again.
    await register({ name: created.name, source: { kind: "builtin", path: "node-service" } });
    expect(await auditActions(created.id)).toEqual([
      { action: "template.create", actor_id: "00000000000000000000000000" },
      { action: "template.delete", actor_id: "00000000000000000000000000" },
    ]);
  });

  it("answers bad input with a 400 naming the field, and unknown ids with a 404", async () => {
    const base = { name: unique("tpl"), title: "T", description: "D" };
    const bad: [Record<string, unknown>, string][] = [
      [{ ...base, name: "Not A Slug", source: { kind: "builtin", path: "x" } }, "body.name"],
      [{ ...base, source: { kind: "builtin", path: "../etc" } }, "body.source.path"],
      [{ ...base, source: { kind: "builtin", path: "/abs" } }, "body.source.path"],
      [
        { ...base, source: { kind: "git", url: "https://git.example.test/t.git", version: "latest" } },
        "body.source.version",
      ],
      [{ ...base, source: { kind: "git", url: "ssh://git@example.test/t.git" } }, "body.source.url"],
      [{ ...base, source: { kind: "svn", url: "https://example.test" } }, "body.source.kind"],
      [{ ...base, source: { kind: "builtin", path: "x" }, extra: 1 }, "body"],
      [{ ...base, title: "", source: { kind: "builtin", path: "x" } }, "body.title"],
    ];
    for (const [body, field] of bad) {
      const answer = await expectStatus(400, "/templates", { body });
      expect(answer.error.code).toBe("invalid_request");
      expect(
        answer.error.details.issues.map((i: { path: string }) => i.path),
        JSON.stringify(body),
      ).toContain(field);
    }
    // Local repositories only where the operator allows them (REPO_ALLOW_LOCAL is off here).
    for (const url of [
      "file:///srv/templates/t.git",
      "https://127.0.0.1/t.git",
      "http://example.test/t.git",
    ]) {
      const refused = await expectStatus(400, "/templates", {
        body: { ...base, source: { kind: "git", url } },
      });
      expect(refused.error.details).toEqual({ field: "source.url" });
    }
    await expectStatus(404, "/templates/01ARZ3NDEKTSV4RRFFQ69G5FAV");
    await expectStatus(400, "/templates/not-an-id");
  });
});
