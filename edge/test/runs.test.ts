import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_KEY, createProject, createUser, expectStatus, unique } from "./helpers.ts";

describe("runs", () => {
  it("start queued, one active run per project and kind, listed newest first, cancelled once", async () => {
    const member = await createUser();
    // With a repository, a DevOps run waits at its first job (no executor here): the rules are seen on it.
    const project = await createProject(member.key, { repoUrl: "https://git.example.test/runs.git" });
    const start = (kind: string, status = 201) =>
      expectStatus(status, `/projects/${project.id}/runs`, { key: member.key, body: { kind } });
    const first = await start("devops");
    expect(first).toMatchObject({
      projectId: project.id,
      kind: "devops",
      status: "queued",
      finishedAt: null,
    });
    const twin = await start("devops", 409);
    expect(twin.error.details).toEqual({ runId: first.id });

    // An engineering run launches its workflow; without a model for its Architect it ends, saying why.
    const engineering = await start("engineering");
    await expect
      .poll(async () => (await expectStatus(200, `/runs/${engineering.id}`, { key: member.key })).error, {
        timeout: 20_000,
      })
      .toContain("set ANTHROPIC_API_KEY");
    const listed = await expectStatus(200, `/projects/${project.id}/runs`, { key: member.key });
    expect(listed.items.map((run: { id: string }) => run.id)).toEqual([engineering.id, first.id]);

    // A port handed out for the deploy (the project has nothing deployed) is given back on cancel.
    const admin = { key: ADMIN_KEY };
    const server = await expectStatus(201, "/servers", {
      ...admin,
      body: { name: unique("runs"), host: "10.0.0.9", memoryMb: 1024, cpuCores: 1 },
    });
    await expectStatus(201, "/allocations", {
      ...admin,
      body: { projectId: project.id, service: "web", serverId: server.id },
    });
    const allocated = async () =>
      (
        await env.DB.prepare("select count(*) as n from port_allocations where project_id = ?")
          .bind(project.id)
          .first<{ n: number }>()
      )?.n;
    expect(await allocated()).toBe(1);
    const cancel = (status: number) =>
      expectStatus(status, `/runs/${first.id}/cancel`, { method: "POST", key: member.key });
    const cancelled = await cancel(200);
    expect(await allocated()).toBe(0);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.finishedAt).not.toBeNull();
    await cancel(409);
    expect(await expectStatus(200, `/runs/${first.id}`, { key: member.key })).toEqual(cancelled);
    // Cancelled, it no longer blocks a new run.
    await start("devops");
  }, 30_000);

  it("are invisible to other members and refuse unknown kinds", async () => {
    const owner = await createUser();
    const stranger = await createUser();
    const project = await createProject(owner.key);
    const run = await expectStatus(201, `/projects/${project.id}/runs`, {
      key: owner.key,
      body: { kind: "devops" },
    });
    await expectStatus(404, `/runs/${run.id}`, { key: stranger.key });
    await expectStatus(404, `/runs/${run.id}/cancel`, { method: "POST", key: stranger.key });
    await expectStatus(404, `/projects/${project.id}/runs`, { key: stranger.key, body: { kind: "devops" } });
    const bad = await expectStatus(400, `/projects/${project.id}/runs`, {
      key: owner.key,
      body: { kind: "launch" },
    });
    expect(bad.error.code).toBe("invalid_request");
  });
});
