/**
 * A catalog entry's manifest in workerd: admins set it when they register a template and change or
 * remove it later (`PATCH /templates/{id}`), each change one audit row; a manifest that does not
 * fit is a 400 naming the field, a member's change a 403; and the jobs that make a project's
 * profile (the DevOps inspect step's `git` job, the Tester's `test` job) carry the manifest of the
 * template the project records, or nothing when it has none.
 */

import { env } from "cloudflare:test";
import {
  CATALOG_MANIFEST_CHARS,
  catalogManifestFrom,
  GitSpec,
  TestSpec,
  UpdateTemplate,
} from "@codegen-orchestrator/shared";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { recordRepository } from "../src/domain/pipeline-projects.ts";
import { projectTemplateManifest } from "../src/domain/template-manifests.ts";
import type { Env } from "../src/env.ts";
import { inspectSpec } from "../src/pipelines/devops/inspect.ts";
import { testJob } from "../src/pipelines/engineering/tester.ts";
import { createProject, createUser, expectStatus } from "./helpers.ts";
import { register } from "./template-support.ts";

const MANIFEST = {
  test: { setup: ["make", "deps"], command: ["make", "check"] },
  service: { start: ["make", "serve"], healthPath: "/ready", startupSeconds: 30 },
};
const builtin = { kind: "builtin", path: "node-service" };

const auditRows = async (targetId: string) =>
  (
    await env.DB.prepare("select action, details from audit_log where target_id = ? order by id")
      .bind(targetId)
      .all<{ action: string; details: string }>()
  ).results.map((row) => ({ action: row.action, details: JSON.parse(row.details) }));

const issuePaths = (answer: { error: { details: { issues: { path: string }[] } } }) =>
  answer.error.details.issues.map((issue) => issue.path);

describe("template manifests", () => {
  it("sets a manifest at registration, changes and removes it, auditing each change", async () => {
    // Unknown keys are dropped, as a repository's orchestrator.json's are.
    const created = await register({ source: builtin, manifest: { ...MANIFEST, later: true } });
    expect(created.manifest).toEqual(MANIFEST);
    expect((await expectStatus(200, `/templates/${created.id}`)).manifest).toEqual(MANIFEST);

    const changed = { test: { command: ["pytest", "-q"] } };
    const patched = await expectStatus(200, `/templates/${created.id}`, {
      method: "PATCH",
      body: { manifest: changed },
    });
    expect(patched).toMatchObject({ id: created.id, name: created.name, manifest: changed });
    expect(Date.parse(patched.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
    const removed = await expectStatus(200, `/templates/${created.id}`, {
      method: "PATCH",
      body: { manifest: null },
    });
    expect(removed.manifest).toBeNull();
    expect((await expectStatus(200, `/templates/${created.id}`)).manifest).toBeNull();

    expect(await auditRows(created.id)).toEqual([
      {
        action: "template.create",
        details: {
          name: created.name,
          source: { kind: "builtin", path: "node-service" },
          manifest: MANIFEST,
        },
      },
      { action: "template.update", details: { name: created.name, manifest: changed } },
      { action: "template.update", details: { name: created.name, manifest: null } },
    ]);
    // Without one, a registration is as before.
    expect((await register({ source: builtin })).manifest).toBeNull();
  });

  it("answers a manifest that does not fit with a 400 naming the field; a member's change with a 403", async () => {
    const member = await createUser();
    const template = await register({ source: builtin });
    const path = `/templates/${template.id}`;
    const badRegistration = await expectStatus(400, "/templates", {
      body: { name: "bad-manifest", title: "T", description: "D", source: builtin, manifest: { test: {} } },
    });
    expect(badRegistration.error.code).toBe("invalid_request");
    expect(issuePaths(badRegistration)).toContain("body.manifest.test.command");

    const bad: [unknown, string][] = [
      [{ manifest: { service: { healthPath: "ready" } } }, "body.manifest.service.healthPath"],
      [{ manifest: { test: { command: "make check" } } }, "body.manifest.test.command"],
      [{ manifest: { service: { startupSeconds: 0 } } }, "body.manifest.service.startupSeconds"],
      [{ manifest: [] }, "body.manifest"],
      [{}, "body.manifest"],
      [{ manifest: null, name: "renamed" }, "body"],
    ];
    for (const [body, field] of bad) {
      const answer = await expectStatus(400, path, { method: "PATCH", body });
      expect(answer.error.code, JSON.stringify(body)).toBe("invalid_request");
      expect(issuePaths(answer), JSON.stringify(body)).toContain(field);
    }
    // Bounded, as job specs carry it (a body that large is refused before, here: MAX_BODY_BYTES).
    const large = { test: { command: Array.from({ length: 64 }, () => "x".repeat(300)) } };
    expect(UpdateTemplate.safeParse({ manifest: large }).error?.issues[0]).toMatchObject({
      path: ["manifest"],
      message: `at most ${CATALOG_MANIFEST_CHARS} characters as JSON`,
    });
    const refused = await expectStatus(403, path, {
      method: "PATCH",
      key: member.key,
      body: { manifest: MANIFEST },
    });
    expect(refused.error.code).toBe("forbidden");
    await expectStatus(404, "/templates/01ARZ3NDEKTSV4RRFFQ69G5FAV", {
      method: "PATCH",
      body: { manifest: null },
    });
    expect((await expectStatus(200, path)).manifest).toBeNull();
    expect((await auditRows(template.id)).map((row) => row.action)).toEqual(["template.create"]);
  });

  it("hands the manifest of the project's template to the inspect and test jobs, and nothing without one", async () => {
    const member = await createUser();
    const db = database(env.DB);
    const template = await register({ source: builtin, manifest: MANIFEST });
    const project = await createProject(member.key);
    expect(await projectTemplateManifest(db, project.id)).toBeNull();
    // As the Preparer records it once the first commit is pushed.
    await recordRepository(db, project.id, "file:///srv/repos/shop.git", { id: template.id, version: null });
    const manifest = await projectTemplateManifest(db, project.id);
    expect(manifest).toEqual({ from: catalogManifestFrom(template.name), declares: MANIFEST });
    expect(manifest?.from).toBe(`the template catalog's manifest (${template.name})`);

    const access = { credentials: undefined };
    const inspect = GitSpec.parse(inspectSpec("file:///srv/repos/shop.git", access, manifest));
    expect(inspect.steps.at(-1)).toEqual({ op: "profile", manifest });
    const input = {
      projectId: project.id,
      repoUrl: "file:///srv/repos/shop.git",
      resourceName: "shop",
      commit: "main",
      manifest,
    };
    const hostEnv = { RUN_PROJECT_CODE_ON_HOST: "true" } as Env;
    expect(TestSpec.parse(testJob(hostEnv, input).spec).manifest).toEqual(manifest);

    // A template removed from the catalog still speaks for the projects built from it.
    await expectStatus(204, `/templates/${template.id}`, { method: "DELETE" });
    expect(await projectTemplateManifest(db, project.id)).toEqual(manifest);

    // A template without a manifest: the jobs are as they were before catalog manifests.
    const plain = await register({ source: builtin });
    await recordRepository(db, project.id, "file:///srv/repos/shop.git", { id: plain.id, version: null });
    expect(await projectTemplateManifest(db, project.id)).toBeNull();
    expect(inspectSpec("file:///srv/repos/shop.git", access, null).steps.at(-1)).toEqual({ op: "profile" });
    expect(testJob(hostEnv, { ...input, manifest: null }).spec).not.toHaveProperty("manifest");
  });
});
