/**
 * GET /projects/{id}/logs: its query is validated (400), another member's project is not found
 * (404), a project without a live deployment is a 409 saying so, and the text a job returns is
 * masked with the project's secrets (opened in the Worker) before it is answered; the chat's
 * message fits one Telegram message.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fitLines, logsMessage } from "../src/chat/logs-command.ts";
import { database } from "../src/db/client.ts";
import { projectSecretMasker } from "../src/domain/secret-masking.ts";
import { newId } from "../src/ids.ts";
import { logsAnswer, playSince } from "../src/pipelines/devops/logs.ts";
import { MESSAGE_LIMIT } from "../src/telegram/format.ts";
import { createProject, createServer, createUser, expectStatus } from "./helpers.ts";

const CANARY = "canary-Lq9x-project-secret-in-a-log-line";

async function ownedProject() {
  const owner = await createUser();
  const project = await createProject(owner.key);
  return { owner, project };
}

const ansibleResult = (text: string, manager: string | null = "process") =>
  JSON.stringify({
    playbook: "project_logs",
    hosts: {},
    failure: null,
    acceptedHostKey: null,
    durationMs: 1,
    logs: { manager, text, truncated: false },
  });

describe("GET /projects/{id}/logs", () => {
  it("refuses lines out of 1..1000 and a since that is neither a duration nor an ISO time", async () => {
    const { owner, project } = await ownedProject();
    for (const query of [
      "lines=0",
      "lines=1001",
      "lines=ten",
      "since=yesterday",
      "since=10%20m",
      "since=0m",
      "x=1",
    ]) {
      const body = await expectStatus(400, `/projects/${project.id}/logs?${query}`, { key: owner.key });
      expect(body.error.code, query).toBe("invalid_request");
    }
  });

  it("is not found for another member, and a 409 without a live deployment, for the owner and admins", async () => {
    const { owner, project } = await ownedProject();
    const stranger = await createUser();
    const hidden = await expectStatus(404, `/projects/${project.id}/logs`, { key: stranger.key });
    expect(hidden.error.code).toBe("not_found");
    for (const key of [owner.key, undefined]) {
      const body = await expectStatus(409, `/projects/${project.id}/logs?lines=20&since=10m`, { key });
      expect(body.error).toMatchObject({ code: "conflict", details: { reason: "not_deployed" } });
    }
    // A failed deployment is not a live one.
    const server = await createServer();
    await env.DB.prepare(
      "insert into deployments (id, project_id, server_id, status, created_at) values (?, ?, ?, 'failed', ?)",
    )
      .bind(newId(), project.id, server.id, Date.now())
      .run();
    await expectStatus(409, `/projects/${project.id}/logs`, { key: owner.key });
  });

  it("masks the project's secret values in the text the job returned", async () => {
    const { owner, project } = await ownedProject();
    await expectStatus(200, `/projects/${project.id}/secrets/API_TOKEN`, {
      method: "PUT",
      key: owner.key,
      body: { value: CANARY },
    });
    const mask = await projectSecretMasker(env, database(env.DB), project.id);
    const answer = logsAnswer(
      "srv-1",
      { status: "succeeded", result: ansibleResult(`started\ntoken=${CANARY}\nready\n`), error: null },
      mask,
    );
    expect(answer).toEqual({
      lines: ["started", "token=***", "ready"],
      server: "srv-1",
      manager: "process",
      truncated: false,
    });
    // A failed job's error is masked too.
    expect(() =>
      logsAnswer("srv-1", { status: "failed", result: null, error: `task failed: ${CANARY}` }, mask),
    ).toThrow(/Reading the logs on srv-1 failed: task failed: \*\*\*/);
    const nothing = logsAnswer(
      "srv-1",
      { status: "succeeded", result: ansibleResult("", null), error: null },
      mask,
    );
    expect(nothing).toMatchObject({ lines: [], manager: null });
  });

  it("hands the play a duration as given and any ISO time in UTC", () => {
    expect(playSince(undefined)).toBe("");
    expect(playSince("15m")).toBe("15m");
    expect(playSince("2026-01-31T14:00:00+02:00")).toBe("2026-01-31T12:00:00Z");
    expect(playSince("2026-01-31T12:00:00.250Z")).toBe("2026-01-31T12:00:00Z");
  });
});

describe("/logs in the chat", () => {
  it("fits the newest lines, HTML-escaped, in one message", () => {
    const lines = Array.from({ length: 1000 }, (_, n) => `<line ${n}> & more text to fill the message`);
    const { text, cut } = fitLines(lines);
    expect(cut).toBe(true);
    expect(text.endsWith("&lt;line 999&gt; &amp; more text to fill the message")).toBe(true);
    const message = logsMessage("shop", { lines, server: "srv-1", manager: "systemd", truncated: false });
    expect(message.length).toBeLessThan(MESSAGE_LIMIT);
    expect(message).toContain("<pre>");
    expect(message).not.toContain("<line");
    expect(logsMessage("shop", { lines: [], server: "srv-1", manager: null, truncated: false })).toContain(
      "nothing of the project is deployed",
    );
  });
});
