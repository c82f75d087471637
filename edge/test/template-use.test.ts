/**
 * What the catalog feeds: a project names a ready template and the Preparer scaffolds from it
 * (at a git template's resolved tag, with the answers its questions take); the cron starts checks
 * that never started and settles those whose workflow ended without an answer.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { templateForProject } from "../src/domain/project-templates.ts";
import { architectCatalog } from "../src/domain/template-catalog.ts";
import { DEFAULT_TEMPLATE_ID, PYTHON_TEMPLATE_ID } from "../src/domain/templates.ts";
import { scaffoldJob } from "../src/pipelines/engineering/prepare.ts";
import { launchTemplateCheck, settleTemplateChecks } from "../src/templates/launch.ts";
import { createProject, createUser, expectStatus, unique } from "./helpers.ts";
import {
  checkingRow,
  inspector,
  modulesQuestion,
  nameQuestion,
  register,
  statusOf,
} from "./template-support.ts";

describe("templates in use", () => {
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
        questions: [nameQuestion, modulesQuestion],
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

  it("offers the Architect the ready templates once the built-in ones are checked, keeps a project's own, and none for an imported repository", async () => {
    const member = await createUser();
    const db = database(env.DB);
    const executor = await inspector();
    const project = await createProject(member.key);
    const first = await architectCatalog(db, project.id);
    if (first.kind !== "templates") throw new Error(`no templates: ${JSON.stringify(first)}`);
    expect(first.kept).toBe(false);
    // The pipeline starts the checks of built-in templates registered without one; the Architect waits.
    for (const id of first.checking) await launchTemplateCheck(env, id);
    const checking = async () => {
      const catalog = await architectCatalog(db, project.id);
      return catalog.kind === "templates" ? catalog.checking : null;
    };
    await expect.poll(checking, { timeout: 15_000 }).toEqual([]);
    executor.stop();
    const ready = await architectCatalog(db, project.id);
    if (ready.kind !== "templates") throw new Error("no templates");
    expect(ready.offered.find((t) => t.id === PYTHON_TEMPLATE_ID)).toMatchObject({
      name: "python-service",
      title: "Python HTTP service",
      description: expect.stringContaining("A Python standard-library HTTP service"),
      questions: [nameQuestion],
    });
    expect(ready.offered.map((t) => t.id)).toContain(DEFAULT_TEMPLATE_ID);
    // The Preparer scaffolds from the Architect's choice when the project names no template.
    expect(await templateForProject(db, project.id, PYTHON_TEMPLATE_ID)).toMatchObject({
      template: { id: PYTHON_TEMPLATE_ID, source: { path: "python-service" }, questions: [nameQuestion] },
    });

    const kept = await createProject(member.key, { templateId: PYTHON_TEMPLATE_ID });
    expect(await architectCatalog(db, kept.id)).toMatchObject({
      kind: "templates",
      kept: true,
      offered: [{ id: PYTHON_TEMPLATE_ID }],
      checking: [],
    });
    const imported = await createProject(member.key, { repoUrl: "https://git.example.test/imported.git" });
    expect(await architectCatalog(db, imported.id)).toEqual({ kind: "none" });
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
