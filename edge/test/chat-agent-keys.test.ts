/**
 * The key a chat's Product-Owner agent job acts with (a `chatKey` job secret): minted by the hub for
 * each job when it sends it, as the chat's member, bound to the chat, expiring just past the job's
 * deadline and revoked when its turn ends; it can make no lasting credential, and only it can ask in
 * a chat.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { revokeJobKeys } from "../src/domain/api-keys.ts";
import { newId } from "../src/ids.ts";
import { connect, createExecutor, hello } from "./executor-socket.ts";
import { call, createUser, expectStatus, unique } from "./helpers.ts";

const CHAT_ID = 424_242;
const hub = () => env.EXECUTOR_HUB.getByName("default");

/** Two jobs of one chat's member (one dispatch pass sends both), and their assign frames. */
async function twoChatJobs(userId: string) {
  const lane = unique("chat-keys");
  const secrets = { ORCHESTRATOR_MCP_KEY: { chatKey: { userId, chatId: CHAT_ID } } };
  const submit = () =>
    hub().submit({
      kind: "exec",
      spec: { command: ["true"] },
      idempotencyKey: newId(),
      labels: { lane },
      timeoutMs: 120_000,
      secrets,
    });
  const jobs = [(await submit()).job.id, (await submit()).job.id];
  const socket = await connect((await createExecutor()).token);
  await hello(socket, { labels: { lane } });
  const assigns = [await socket.next("assign"), await socket.next("assign")];
  socket.ws.close();
  return { jobs, assigns };
}

const keyRow = (jobId: string) =>
  env.DB.prepare("SELECT user_id, chat_id, scopes, expires_at, revoked_at FROM api_keys WHERE job_id = ?")
    .bind(jobId)
    .first<Record<string, unknown>>();

describe("a chat agent's job key", () => {
  it("is minted for each job as the chat's member, bound to the chat, and dies with the job", async () => {
    const member = await createUser();
    const { jobs, assigns } = await twoChatJobs(member.id);
    const keys = assigns.map((assign) => assign.secrets.ORCHESTRATOR_MCP_KEY as string);
    expect(keys.every((key) => key.startsWith("co_"))).toBe(true);
    // Each job its own key, though both name the same chat and member.
    expect(new Set(keys).size).toBe(2);
    for (const [index, assign] of assigns.entries()) {
      const row = await keyRow(assign.jobId);
      expect(row).toMatchObject({ user_id: member.id, chat_id: CHAT_ID, revoked_at: null });
      expect(JSON.parse(row?.scopes as string)).toEqual(["read", "write"]);
      // It expires a minute past the job's deadline.
      expect(row?.expires_at).toBe(assign.deadlineAt + 60_000);
      expect(jobs).toContain(assign.jobId);
      const me = await expectStatus(200, "/users/me", { key: keys[index] });
      expect(me.id).toBe(member.id);
    }

    const [key, other] = keys as [string, string];
    // It can make nothing that outlives it.
    await expectStatus(403, "/api-keys", { key, body: { name: "forever", scopes: ["read"] } });
    await expectStatus(403, "/sign-in-links", { key, body: {} });
    // It may ask in its chat only while a turn runs there (none does here); another key may not ask at all.
    const question = { question: "Which one?", options: ["A", "B"] };
    const asked = await expectStatus(409, "/chat/questions", { key, body: question });
    expect(asked.error.message).toContain("has ended");
    const notAgent = await expectStatus(409, "/chat/questions", { key: member.key, body: question });
    expect(notAgent.error.message).toContain("Only a chat's Product-Owner agent");

    // The turn ends: its job's key is revoked, the other job's is not.
    expect(await revokeJobKeys(database(env.DB), assigns[0].jobId)).toBe(1);
    expect((await call("/users/me", { key })).status).toBe(401);
    await expectStatus(200, "/users/me", { key: other });
  });

  it("is not minted for a member who is no longer active: the job fails, saying why", async () => {
    const member = await createUser();
    await expectStatus(200, `/users/${member.id}`, { method: "PATCH", body: { status: "blocked" } });
    const lane = unique("chat-keys");
    const { job } = await hub().submit({
      kind: "exec",
      spec: { command: ["true"] },
      idempotencyKey: newId(),
      labels: { lane },
      secrets: { ORCHESTRATOR_MCP_KEY: { chatKey: { userId: member.id, chatId: CHAT_ID } } },
    });
    const socket = await connect((await createExecutor()).token);
    await hello(socket, { labels: { lane } });
    await expect
      .poll(async () => (await expectStatus(200, `/jobs/${job.id}`)).status, { timeout: 5000 })
      .toBe("failed");
    const failed = await expectStatus(200, `/jobs/${job.id}`);
    expect(failed.error).toContain("The API key of chat 424242's member");
    expect(failed.error).toContain("blocked");
    socket.ws.close();
  });
});
