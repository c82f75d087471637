import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../src/ids.ts";
import worker from "../src/index.ts";
import { createProject, createUser, expectStatus } from "./helpers.ts";

describe("cron housekeeping", () => {
  it("revokes keys past their expiry and records it in the audit log", async () => {
    const member = await createUser();
    const created = await expectStatus(201, "/api-keys", {
      key: member.key,
      body: { name: "short", expiresInDays: 1 },
    });
    await expectStatus(200, "/users/me", { key: created.key });

    // Let the key's expiry pass.
    await env.DB.prepare("update api_keys set expires_at = ? where id = ?")
      .bind(Date.now() - 1000, created.id)
      .run();
    await expectStatus(401, "/users/me", { key: created.key });

    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *" }), env);

    const keys = await expectStatus(200, "/api-keys", { key: member.key });
    const expired = keys.items.find((k: any) => k.id === created.id);
    expect(expired.revokedAt).not.toBeNull();
    const audit = await env.DB.prepare("select actor_id, action from audit_log where target_id = ?")
      .bind(created.id)
      .all();
    expect(audit.results).toContainEqual({ actor_id: null, action: "api_key.expire" });
  });

  it("launches a run whose launch failed (left queued without a workflow), once it is a minute old", async () => {
    const member = await createUser();
    const project = await createProject(member.key, { repoUrl: "https://git.example.test/stranded.git" });
    // As if its launch had failed: recorded, still queued, no instance, older than the grace period.
    const stranded = (id: string, projectId: string, createdAt: number) =>
      env.DB.prepare(
        "insert into runs (id, project_id, kind, status, created_at) values (?, ?, 'devops', 'queued', ?)",
      )
        .bind(id, projectId, createdAt)
        .run();
    const run = { id: newId() };
    await stranded(run.id, project.id, Date.now() - 120_000);
    const other = await createProject(member.key, { repoUrl: "https://git.example.test/fresh.git" });
    const fresh = { id: newId() };
    await stranded(fresh.id, other.id, Date.now());

    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *" }), env);

    const instance = async (id: string) =>
      (
        await env.DB.prepare("select workflow_instance_id as w from runs where id = ?")
          .bind(id)
          .first<{ w: string | null }>()
      )?.w;
    expect(await instance(run.id)).toBe(run.id);
    // Launched again, it goes on: its workflow starts and waits for its first job (no executor here).
    await expect
      .poll(async () => (await expectStatus(200, `/runs/${run.id}`, { key: member.key })).status)
      .toBe("running");
    // A run just created is left to its own launch.
    expect(await instance(fresh.id)).toBeNull();
  });

  it("marks failed a run whose workflow ended without finishing it", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    // Without a repository host configured here, an engineering run's workflow ends at once, saying why.
    const run = await expectStatus(201, `/projects/${project.id}/runs`, {
      key: member.key,
      body: { kind: "engineering" },
    });
    await expect
      .poll(async () => await expectStatus(200, `/runs/${run.id}`, { key: member.key }))
      .toMatchObject({
        status: "failed",
        error: "No repository host is configured (GITHUB_APP_ID or REPO_BASE_URL).",
      });
    // As if the workflow had ended without writing the run's outcome.
    await env.DB.prepare("update runs set status = 'running', error = null, finished_at = null where id = ?")
      .bind(run.id)
      .run();

    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *" }), env);

    const settled = await expectStatus(200, `/runs/${run.id}`, { key: member.key });
    expect(settled).toMatchObject({
      status: "failed",
      error: expect.stringContaining("ended without finishing the run (complete)"),
    });
  });

  it("leaves the housekeeping to the quarter-hour cron: the minute cron only sweeps the server checks", async () => {
    const member = await createUser();
    const created = await expectStatus(201, "/api-keys", {
      key: member.key,
      body: { name: "minute", expiresInDays: 1 },
    });
    await env.DB.prepare("update api_keys set expires_at = ? where id = ?")
      .bind(Date.now() - 1000, created.id)
      .run();
    const revokedAt = async () =>
      (await expectStatus(200, "/api-keys", { key: member.key })).items.find((k: any) => k.id === created.id)
        .revokedAt;

    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env);
    expect(await revokedAt()).toBeNull();
    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *" }), env);
    expect(await revokedAt()).not.toBeNull();
  });
});
