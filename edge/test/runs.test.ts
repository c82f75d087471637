import { describe, expect, it } from "vitest";
import { createProject, createUser, expectStatus } from "./helpers.ts";

describe("runs", () => {
  it("start queued, one active run per project and kind, listed newest first, cancelled once", async () => {
    const member = await createUser();
    const project = await createProject(member.key);
    const first = await expectStatus(201, `/projects/${project.id}/runs`, {
      key: member.key,
      body: { kind: "engineering" },
    });
    expect(first).toMatchObject({
      projectId: project.id,
      kind: "engineering",
      status: "queued",
      finishedAt: null,
    });

    const twin = await expectStatus(409, `/projects/${project.id}/runs`, {
      key: member.key,
      body: { kind: "engineering" },
    });
    expect(twin.error.details).toEqual({ runId: first.id });
    const devops = await expectStatus(201, `/projects/${project.id}/runs`, {
      key: member.key,
      body: { kind: "devops" },
    });

    const listed = await expectStatus(200, `/projects/${project.id}/runs`, { key: member.key });
    expect(listed.items.map((run: { id: string }) => run.id)).toEqual([devops.id, first.id]);

    const cancelled = await expectStatus(200, `/runs/${first.id}/cancel`, {
      method: "POST",
      key: member.key,
    });
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.finishedAt).not.toBeNull();
    await expectStatus(409, `/runs/${first.id}/cancel`, { method: "POST", key: member.key });
    expect(await expectStatus(200, `/runs/${first.id}`, { key: member.key })).toEqual(cancelled);
    // Cancelled, it no longer blocks a new run.
    await expectStatus(201, `/projects/${project.id}/runs`, {
      key: member.key,
      body: { kind: "engineering" },
    });
  });

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
