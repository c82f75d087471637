/**
 * Template upgrades in the Worker (workerd, D1): which projects are behind which release (the API's
 * list and its visibility), what an upgrade run plans and records, which projects a newer release
 * offers an upgrade to, the upgrade's jobs as their schemas take them, the chat's offer, the
 * console's table and button, and the API's refusals (a run not waiting, a member checking a
 * template, a built-in template).
 */
import { env } from "cloudflare:test";
import { CopierJobSpec, GitSpec } from "@codegen-orchestrator/shared";
import { describe, expect, it } from "vitest";
import { upgradeDetails, upgradePrompt } from "../src/chat/upgrade-views.ts";
import { database } from "../src/db/client.ts";
import { recordRepository } from "../src/domain/pipeline-projects.ts";
import { markFinished } from "../src/domain/run-steps.ts";
import { startRun } from "../src/domain/runs.ts";
import { recordTemplateCheck } from "../src/domain/template-checks.ts";
import {
  endUpgrade,
  planUpgrade,
  projectsToOffer,
  recordUpgrade,
  upgradeOfRun,
} from "../src/domain/template-upgrades.ts";
import { DEFAULT_TEMPLATE_ID } from "../src/domain/templates.ts";
import { mergeJob, updateJob, upgradeBranch } from "../src/pipelines/upgrade/jobs.ts";
import { recheckDueTemplates } from "../src/templates/launch.ts";
import { offerUpgrades } from "../src/templates/upgrade-offers.ts";
import { browse, formPost, signInWithLink } from "./console-helpers.ts";
import { createProject, createUser, expectStatus } from "./helpers.ts";
import { inspector, register, statusOf } from "./template-support.ts";

const TEMPLATE_URL = "https://git.example.test/upgradable.git";

/** A ready git template (its check resolves v1.2.0) and a member's project scaffolded from it at `version`. */
async function projectAt(version: string) {
  const executor = await inspector();
  const template = await register({ source: { kind: "git", url: TEMPLATE_URL } });
  await expect.poll(() => statusOf(template.id), { timeout: 15_000 }).toBe("ready");
  executor.stop();
  const member = await createUser();
  const project = await createProject(member.key, { templateId: template.id });
  const repoUrl = `file:///srv/repos/${project.slug}.git`;
  await recordRepository(database(env.DB), project.id, repoUrl, { id: template.id, version });
  return { template, member, project, repoUrl };
}

const asActor = (member: { id: string }) => ({ userId: member.id, role: "member" as const });

describe("template upgrades", () => {
  it("lists who is behind which release, plans and records an upgrade, and offers a release once", async () => {
    const { template, member, project, repoUrl } = await projectAt("v1.0.0");
    const other = await createUser();
    const db = database(env.DB);

    const listed = await expectStatus(200, `/template-versions?template=${template.id}`);
    expect(listed.items).toEqual([
      {
        project: { id: project.id, name: project.name, slug: project.slug },
        template: { id: template.id, name: template.name },
        version: "v1.0.0",
        latest: "v1.2.0",
        behind: true,
        upgrade: null,
      },
    ]);
    const own = await expectStatus(200, "/template-versions?behind=true", { key: member.key });
    expect(own.items.map((row: { project: { id: string } }) => row.project.id)).toEqual([project.id]);
    expect((await expectStatus(200, "/template-versions", { key: other.key })).items).toEqual([]);
    await expectStatus(400, "/template-versions?behind=maybe");

    expect(await projectsToOffer(db, template.id, 10)).toEqual([
      { projectId: project.id, owner: asActor(member) },
    ]);
    const run = await startRun(db, asActor(member), project.id, "upgrade");
    const planned = await planUpgrade(db, run.id, project.id);
    expect(planned).toEqual({
      plan: {
        projectName: project.name,
        resourceName: project.resourceName,
        repoUrl,
        templateId: template.id,
        templateName: template.name,
        fromVersion: "v1.0.0",
        toVersion: "v1.2.0",
      },
    });
    // Offered (a row for the version): not offered again.
    expect(await projectsToOffer(db, template.id, 10)).toEqual([]);
    await recordUpgrade(db, run.id, {
      branch: "template-upgrade/v1.2.0",
      commit: "c0ffee",
      conflicts: ["a.txt"],
    });
    await recordUpgrade(db, run.id, { status: "offered", testsPassed: false });
    expect(await upgradeOfRun(db, run.id)).toMatchObject({
      status: "offered",
      branch: "template-upgrade/v1.2.0",
      conflicts: ["a.txt"],
      testsPassed: false,
    });

    // A run not waiting for the decision: 409; a bad choice: 400.
    await expectStatus(409, `/runs/${run.id}/upgrade`, { key: member.key, body: { choice: "merge" } });
    await expectStatus(400, `/runs/${run.id}/upgrade`, { key: member.key, body: { choice: "later" } });
    await expectStatus(404, `/runs/${run.id}/upgrade`, { key: other.key, body: { choice: "skip" } });

    // Merged: the project is at the release and no longer behind.
    await endUpgrade(db, run.id, "merged");
    await markFinished(db, run.id, "succeeded", null);
    expect(await expectStatus(200, `/projects/${project.id}`, { key: member.key })).toMatchObject({
      templateVersion: "v1.2.0",
    });
    const after = await expectStatus(200, `/template-versions?template=${template.id}`);
    expect(after.items[0]).toMatchObject({ behind: false, upgrade: { status: "merged", runId: run.id } });
    const again = await startRun(db, asActor(member), project.id, "upgrade");
    expect(await planUpgrade(db, again.id, project.id)).toEqual({
      nothing: `The project is at ${template.name} v1.2.0, the template's latest version.`,
    });
  });

  it("a skipped release is not offered again; a failed one is tried again on its row", async () => {
    const { template, member, project } = await projectAt("v1.1.0");
    const db = database(env.DB);
    const first = await startRun(db, asActor(member), project.id, "upgrade");
    await planUpgrade(db, first.id, project.id);
    await endUpgrade(db, first.id, "failed", "The update failed.");
    await markFinished(db, first.id, "failed", "The update failed.");
    // A failed upgrade keeps its row (not offered by a check), but a run by hand tries it again.
    expect(await projectsToOffer(db, template.id, 10)).toEqual([]);
    const second = await startRun(db, asActor(member), project.id, "upgrade");
    expect(await planUpgrade(db, second.id, project.id)).toHaveProperty("plan");
    expect(await upgradeOfRun(db, first.id)).toBeNull();
    expect(await upgradeOfRun(db, second.id)).toMatchObject({ status: "running", error: null });
    await endUpgrade(db, second.id, "skipped");
    expect(await projectsToOffer(db, template.id, 10)).toEqual([]);
    const row = (await expectStatus(200, `/template-versions?template=${template.id}`)).items[0];
    expect(row).toMatchObject({ version: "v1.1.0", behind: true, upgrade: { status: "skipped" } });
  });

  it("checks for a newer release: admins only, ready git templates only", async () => {
    const { template, member } = await projectAt("v1.0.0");
    await expectStatus(403, `/templates/${template.id}/check`, { key: member.key, body: {} });
    await expectStatus(409, `/templates/${DEFAULT_TEMPLATE_ID}/check`, { body: {} });
    const checking = await expectStatus(202, `/templates/${template.id}/check`, { body: {} });
    // The template stays ready, at its release, while the round runs.
    expect(checking).toMatchObject({ status: "ready", version: { tag: "v1.2.0" } });
    const { results } = await env.DB.prepare("select check_round from templates where id = ?")
      .bind(template.id)
      .all<{ check_round: number }>();
    expect(results[0]?.check_round).toBe(1);
    const audit = await expectStatus(200, `/audit?targetId=${template.id}&action=template.check`);
    expect(audit.items).toEqual([
      expect.objectContaining({ action: "template.check", details: { round: 1 } }),
    ]);
  });

  it("the cron checks templates not checked for TEMPLATE_RECHECK_HOURS; a failed round keeps the release", async () => {
    const { template, project } = await projectAt("v1.0.0");
    const db = database(env.DB);
    const round = async () =>
      (
        await env.DB.prepare("select check_round as n from templates where id = ?")
          .bind(template.id)
          .first<{ n: number }>()
      )?.n;
    // Checked just now: not due.
    await recheckDueTemplates(env);
    expect(await round()).toBe(0);
    await env.DB.prepare("update templates set checked_at = ? where id = ?")
      .bind(Date.now() - 25 * 3_600_000, template.id)
      .run();
    expect(await recheckDueTemplates({ ...env, TEMPLATE_RECHECK_HOURS: "0" })).toBe(0);
    expect(await recheckDueTemplates(env)).toBeGreaterThanOrEqual(1);
    expect(await round()).toBe(1);
    // The round's inspection fails: the template stays ready at its release, saying why.
    const problem = { message: "cannot fetch the template from https://git.example.test/upgradable.git" };
    expect(await recordTemplateCheck(db, template.id, { status: "invalid", problem }, 0)).toBeNull();
    expect(await recordTemplateCheck(db, template.id, { status: "invalid", problem }, 1)).toBe("invalid");
    expect(await expectStatus(200, `/templates/${template.id}`)).toMatchObject({
      status: "ready",
      version: { tag: "v1.2.0" },
      error: problem,
    });
    // TEMPLATE_UPGRADES=off: a newer release offers nothing; on, the project's owner gets a run.
    expect(await offerUpgrades({ ...env, TEMPLATE_UPGRADES: "off" }, template.id)).toBe(0);
    expect(await offerUpgrades(env, template.id)).toBe(1);
    const runs = await expectStatus(200, `/projects/${project.id}/runs`);
    expect(runs.items.map((run: { kind: string }) => run.kind)).toEqual(["upgrade"]);
    // A second offer meets the run in progress: no twin.
    expect(await offerUpgrades(env, template.id)).toBe(0);
    // Stopped (its workflow and any job it submitted), so no later test's executor is given its job.
    await expectStatus(200, `/runs/${runs.items[0].id}/cancel`, { body: {} });
  });

  it("builds the update and merge jobs as their schemas take them, and the chat's offer", async () => {
    const plan = {
      projectName: "Shop",
      resourceName: "shop",
      repoUrl: "file:///srv/repos/shop.git",
      templateId: "01JABCDEFGHJKMNPQRSTVWXYZ0",
      templateName: "service",
      fromVersion: "v1.0.0",
      toVersion: "v1.2.0",
    };
    const update = CopierJobSpec.parse(updateJob(env, plan).spec);
    expect(update).toMatchObject({
      update: true,
      project: { url: plan.repoUrl, branch: "main" },
      vcsRef: "v1.2.0",
      trust: false,
      publish: { branch: "template-upgrade/v1.2.0", message: "Update from template service v1.0.0 → v1.2.0" },
    });
    const merge = GitSpec.parse(mergeJob(env, plan, "template-upgrade/v1.2.0").spec);
    expect(merge.steps.map((step) => step.op)).toEqual(["clone", "merge", "push"]);
    expect(upgradeBranch("1.2.0+build/5")).toBe("template-upgrade/1.2.0-build-5");

    const prompt = upgradePrompt("RUN1", {
      projectName: "Shop",
      templateName: "service",
      fromVersion: "v1.0.0",
      toVersion: "v1.2.0",
      branch: "template-upgrade/v1.2.0",
      commit: "c0ffee",
      pullRequestUrl: null,
      testsPassed: false,
      testLine: "1 of 3 tests failed",
      conflicts: ["<b>README.md</b>"],
      changed: { merged: 3, added: 1, removed: 0 },
      messages: ["Run <migrations>"],
    });
    expect(prompt.keyboard.flat().map((button) => button.data)).toEqual([
      "upg:m:RUN1",
      "upg:l:RUN1",
      "upg:s:RUN1",
    ]);
    expect(prompt.html).toContain("❌ Tests: 1 of 3 tests failed");
    // What a template or repository says is escaped, never markup.
    expect(prompt.html).toContain("&lt;b&gt;README.md&lt;/b&gt;");
    expect(prompt.html).toContain("Run &lt;migrations&gt;");
    const look = upgradeDetails(
      {
        runId: "RUN1",
        fromVersion: "v1.0.0",
        toVersion: "v1.2.0",
        status: "offered",
        branch: "template-upgrade/v1.2.0",
        commit: "c0ffee",
        pullRequestUrl: null,
        testsPassed: true,
        conflicts: [],
        error: null,
        createdAt: new Date().toISOString(),
        decidedAt: null,
      },
      plan.repoUrl,
    );
    expect(look.html).toContain("git diff main...template-upgrade/v1.2.0");
    expect(look.keyboard.flat().map((button) => button.data)).toEqual(["upg:m:RUN1", "upg:s:RUN1"]);
  });

  it("the console's templates page shows the versions, and an admin checks a git template from it", async () => {
    const { template, project } = await projectAt("v1.0.0");
    const admin = await signInWithLink(await createUser("admin"));
    const page = await (await browse(admin, "/templates")).text();
    const table = page.slice(page.indexOf('id="template-versions"'));
    expect(table).toContain(project.name);
    expect(table).toMatch(/v1\.0\.0[\s\S]*v1\.2\.0[\s\S]*behind[\s\S]*not started/);
    expect(page).toContain(`action="/templates/${template.id}/check"`);
    const checked = await formPost(admin, `/templates/${template.id}/check`, {});
    expect(checked.status).toBe(303);
    expect(decodeURIComponent(checked.headers.get("location") ?? "")).toContain(
      "checked for a newer release",
    );
  });
});
