/**
 * Runtime logs, whole stack (wrangler dev, a real executor, real ansible-playbook against an sshd
 * on 127.0.0.1 registered as the server, Telegram on loopback): a member's project deployed from
 * a local repository prints a value the project holds as a secret; `GET /projects/{id}/logs` and
 * `/logs <project>` in the chat read its last lines on the server, that value masked, and a
 * project never deployed is told so.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sshdAvailable } from "../executor/test/support/sshd.ts";
import { type ChatHarness, eventually } from "./support/chat.ts";
import { type DeployStack, startDeployStack } from "./support/deploy-stack.ts";
import { memberApi } from "./support/member.ts";
import { until } from "./support/poll.ts";
import { HEALTHY_SERVER_JS, serviceRepo } from "./support/service-repo.ts";

const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const ready = ansible && sshdAvailable();
const CANARY = "canary-runtime-logs-4d9e1f";
const TELEGRAM_ID = 4100;
let chat: ChatHarness;
let stack: DeployStack;
let repos: string;

/** The service prints a few lines, one with the canary, then answers /health. */
const SERVER_JS = `for (let n = 0; n < 40; n++) console.log("line " + n);
console.log("token is ${CANARY}");
${HEALTHY_SERVER_JS}`;

beforeAll(async () => {
  if (!ready) return;
  stack = await startDeployStack({ REPO_ALLOW_LOCAL: "true", DEPLOY_HEALTH_RETRIES: "10" });
  ({ chat, repos } = stack);
}, 120_000);

afterAll(() => stack?.stop(), 120_000);

describe.skipIf(!ready)("runtime logs", { timeout: 300_000 }, () => {
  it("reads a deployed service's last lines through the API and the chat, its secrets masked", async () => {
    const user = await chat.api<{ id: string }>("/users", { name: "Lin", telegramId: TELEGRAM_ID });
    const key = (await chat.api<{ key: string }>("/api-keys", { name: "lin", userId: user.id })).key;
    const as = memberApi(chat.worker.api, key);
    const sender = { id: TELEGRAM_ID, first_name: "Lin" };
    const created = await as("/projects", {
      name: "Chatty",
      description: "Talks.",
      repoUrl: serviceRepo(repos, "chatty", { "server.js": SERVER_JS }).url,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const project = created.body;

    // Not deployed yet: a 409 saying so, and the chat says what to do.
    const early = await as(`/projects/${project.id}/logs`);
    expect(early.status).toBe(409);
    expect(early.body.error.details).toEqual({ reason: "not_deployed" });
    await chat.say(sender, `/logs ${project.slug}`);
    await eventually(
      () => chat.telegram.texts(TELEGRAM_ID).find((text) => text.includes("is not deployed yet")),
      "the chat's answer without a deployment",
    );

    const run = (await as(`/projects/${project.id}/runs`, { kind: "devops" })).body;
    const done = await until("the deploy to end", async () => {
      const current = (await as(`/runs/${run.id}`)).body;
      return ["succeeded", "failed", "cancelled"].includes(current.status) ? current : undefined;
    });
    expect(done, done.error).toMatchObject({ status: "succeeded" });
    await as(`/projects/${project.id}/secrets/SERVICE_TOKEN`, { value: CANARY }, "PUT");

    const read = await as(`/projects/${project.id}/logs?lines=3&since=1h`);
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body).toEqual({
      lines: ["line 38", "line 39", "token is ***"],
      server: "local",
      manager: "process",
      truncated: false,
    });
    expect((await as(`/projects/${project.id}/logs?lines=0`)).status).toBe(400);

    await chat.say(sender, `/logs ${project.slug} 5`);
    const message = await eventually(
      () => chat.telegram.texts(TELEGRAM_ID).find((text) => text.includes("line 36")),
      "the chat's logs",
      90_000,
    );
    expect(message).toContain("token is ***");
    expect(chat.telegram.texts(TELEGRAM_ID).join("\n")).not.toContain(CANARY);
    const sent = chat.telegram
      .sent("sendMessage", TELEGRAM_ID)
      .find((call) => call.payload.text.includes("line 36"));
    expect(sent?.payload.parse_mode).toBe("HTML");
  });
});
