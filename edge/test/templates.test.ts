/**
 * The template catalog in workerd: admins register and remove templates, a scripted executor
 * (a real WebSocket, protocol v1) answers the inspect jobs of the check workflow, members read
 * the ready templates only; bad input is a 400, unknown ids 404s, every change one audit row; a
 * project names its template and the Preparer scaffolds from it.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { templateForProject } from "../src/domain/project-templates.ts";
import { DEFAULT_TEMPLATE_ID } from "../src/domain/templates.ts";
import { newId } from "../src/ids.ts";
import { scaffoldJob } from "../src/pipelines/engineering/prepare.ts";
import { settleTemplateChecks } from "../src/templates/launch.ts";
import { connect, createExecutor, hello, type ScriptedExecutor } from "./executor-socket.ts";
import { createProject, createUser, expectStatus, unique } from "./helpers.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";

const inspection = (questions: unknown[], templateRef: string | null = null) => ({
  file: "copier.yml",
  questions,
  subdirectory: "template",
  messages: { beforeCopy: "", afterCopy: "{{ name }} is ready", beforeUpdate: "", afterUpdate: "" },
  templateCommit: templateRef ? COMMIT : null,
  templateRef,
});

const nameQuestion = { name: "project_name", type: "str", multiselect: false, secret: false };
const modulesQuestion = {
  name: "modules",
  type: "str",
  multiselect: true,
  secret: false,
  default: [],
  choices: [
    { label: "Postgres", value: "postgres" },
    { label: "Redis", value: "redis" },
  ],
};

/**
 * An executor answering every inspect job it is given, as the real one would, by the template the
 * job names, until `stop`: its socket is then closed. `checked` lists the templates it was given.
 */
async function inspector(): Promise<{ checked: unknown[]; stop: () => void }> {
  const executor = await createExecutor();
  const socket = await connect(executor.token);
  await hello(socket, { capabilities: ["copier"] });
  const checked: unknown[] = [];
  let stopped = false;
  const answerNext = async (): Promise<void> => {
    const assign = await socket.next("assign", 60_000).catch(() => null);
    if (stopped || !assign) return;
    answer(socket, assign);
    checked.push(assign.spec.template);
    return answerNext();
  };
  void answerNext();
  return {
    checked,
    stop: () => {
      stopped = true;
      socket.ws.close();
    },
  };
}

function answer(socket: ScriptedExecutor, assign: any): void {
  expect(assign).toMatchObject({ kind: "copier", spec: { inspect: true } });
  const { template } = assign.spec;
  socket.send({ type: "accepted", jobId: assign.jobId, attempt: assign.attempt });
  const frame = { type: "result", jobId: assign.jobId, attempt: assign.attempt };
  if (template.url?.includes("broken")) {
    const error = {
      code: "invalid_template",
      message: "invalid YAML: unexpected end",
      file: "copier.yml",
      line: 3,
    };
    socket.send({
      ...frame,
      status: "failed",
      output: { error },
      error: `invalid_template: ${error.message}`,
    });
  } else if (template.url) {
    socket.send({
      ...frame,
      status: "succeeded",
      output: inspection([nameQuestion, modulesQuestion], "v1.2.0"),
    });
  } else {
    socket.send({ ...frame, status: "succeeded", output: inspection([nameQuestion]) });
  }
}

const register = (body: Record<string, unknown>, key?: string) =>
  expectStatus(202, "/templates", {
    key,
    body: { name: unique("tpl"), title: "A template", description: "Builds a service.", ...body },
  });

const statusOf = async (id: string) => (await expectStatus(200, `/templates/${id}`)).status;

/** A template row still `checking`, written as a registration whose check never started leaves it. */
async function checkingRow(): Promise<string> {
  const id = newId();
  const now = Date.now();
  await env.DB.prepare(
    "insert into templates (id, name, title, description, tags, source_kind, source, status, created_at, updated_at) values (?, ?, 'T', 'D', '[]', 'builtin', 'node-service', 'checking', ?, ?)",
  )
    .bind(id, unique("tpl"), now, now)
    .run();
  return id;
}

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

    // The default template (registered on first use) and the three registrations are checked.
    await expect.poll(() => executor.checked.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
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
    expect(ids).toEqual(expect.arrayContaining([DEFAULT_TEMPLATE_ID, builtin.id, git.id]));
    expect(ids).not.toContain(broken.id);
    expect(seen.items.every((t: { status: string }) => t.status === "ready")).toBe(true);
    expect(seen.items.find((t: { id: string }) => t.id === DEFAULT_TEMPLATE_ID)).toMatchObject({
      name: "node-service",
      default: true,
      source: { kind: "builtin", path: "node-service" },
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

  it("a project names a ready template; the Preparer scaffolds from it at its resolved tag", async () => {
    const member = await createUser();
    const executor = await inspector();
    const git = await register({ source: { kind: "git", url: "https://git.example.test/service.git" } });
    const broken = await register({ source: { kind: "git", url: "https://git.example.test/broken.git" } });
    await expect.poll(() => statusOf(git.id), { timeout: 15_000 }).toBe("ready");
    await expect.poll(() => statusOf(broken.id), { timeout: 15_000 }).toBe("invalid");
    executor.stop();

    const refused = await expectStatus(400, "/projects", {
      key: member.key,
      body: { name: unique("P"), templateId: broken.id },
    });
    expect(refused.error.details).toEqual({ field: "templateId" });
    const project = await createProject(member.key, { templateId: git.id });
    expect(project).toMatchObject({ templateId: git.id, templateVersion: null });

    const db = database(env.DB);
    const chosen = await templateForProject(db, project.id);
    expect(chosen).toEqual({
      template: {
        id: git.id,
        name: git.name,
        source: { url: "https://git.example.test/service.git", ref: "v1.2.0" },
        version: "v1.2.0",
        questions: [
          { name: "project_name", choices: null },
          { name: "modules", choices: ["postgres", "redis"] },
        ],
      },
    });
    if (!("template" in chosen)) throw new Error("no template");
    const repo = { url: "file:///srv/repos/shop.git", resourceName: "shop" };
    const prepared = { slug: "shop", description: "A shop", modules: ["redis", "database"] };
    const { spec } = scaffoldJob(env, prepared, chosen.template, repo);
    // Only what the template asks: no description question, modules among its own choices.
    expect(spec).toMatchObject({
      template: { url: "https://git.example.test/service.git", ref: "v1.2.0" },
      data: { project_name: "shop", modules: ["redis"] },
      publish: { message: `Scaffold shop from ${git.name} v1.2.0` },
    });
    expect(spec.data).not.toHaveProperty("description");

    // A project that names none gets the default template, with every answer the spec gives.
    const plain = await createProject(member.key);
    const fallback = await templateForProject(db, plain.id);
    expect(fallback).toMatchObject({
      template: { id: DEFAULT_TEMPLATE_ID, source: { path: "node-service" } },
    });

    // A template removed after the project chose it: the scaffold fails, saying so.
    await expectStatus(204, `/templates/${git.id}`, { method: "DELETE" });
    expect(await templateForProject(db, project.id)).toEqual({
      error: "The project's template was removed from the catalog; choose another.",
    });
    await expectStatus(400, `/projects/${plain.id}`, {
      key: member.key,
      method: "PATCH",
      body: { templateId: git.id },
    });
  });

  it("the cron starts a check that never started, and settles one whose workflow ended without an answer", async () => {
    const unstarted = await checkingRow();
    const ended = await checkingRow();
    const instance = await env.TEMPLATE_CHECK_WORKFLOW.create({ id: ended, params: { templateId: ended } });
    await instance.terminate();
    await expect.poll(async () => (await instance.status()).status).toBe("terminated");

    // Just registered: left to its own start.
    await settleTemplateChecks(env);
    await expect(env.TEMPLATE_CHECK_WORKFLOW.get(unstarted)).rejects.toThrow(/not.?found/i);

    const later = new Date(Date.now() + 120_000);
    await settleTemplateChecks(env, later);
    expect((await (await env.TEMPLATE_CHECK_WORKFLOW.get(unstarted)).status()).status).not.toBe("terminated");
    expect(await expectStatus(200, `/templates/${ended}`)).toMatchObject({
      status: "invalid",
      error: { message: expect.stringContaining("The check ended without an answer (terminated") },
    });
    await expectStatus(200, `/templates/${unstarted}`);
    expect(await statusOf(unstarted)).toBe("checking");
  });
});
