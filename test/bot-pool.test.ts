/**
 * The Telegram bot pool, whole stack (wrangler dev, a real executor, real ansible-playbook against
 * an sshd on 127.0.0.1 registered as the server, the Bot API on loopback): a token that fails
 * getMe is refused at registration; two registered bots are never shown with their tokens; a
 * project whose `.env.example` has the Telegram module's TELEGRAM_BOT_TOKEN gets the first bot
 * (named and described after the project, its token in the deployed .env), a second project (its
 * variable marked `telegram-bot:`) the next one, a third one (its variable marked in
 * `orchestrator.json`; the pool empty) waits for the user's value; deleting the first project
 * undeploys it and returns its bot (webhook removed, name reset) to the pool.
 */
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sshdAvailable } from "../executor/test/support/sshd.ts";
import { type ChatHarness, eventually } from "./support/chat.ts";
import { queryD1 } from "./support/d1.ts";
import { type DeployStack, startDeployStack } from "./support/deploy-stack.ts";
import { memberApi } from "./support/member.ts";
import { until } from "./support/poll.ts";
import { HEALTHY_SERVER_JS, serviceRepo } from "./support/service-repo.ts";

const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const ready = ansible && sshdAvailable();
const TOKEN_A = "7001:pool-bot-a-secret-0123456789abcdef";
const TOKEN_B = "7002:pool-bot-b-secret-0123456789abcdef";
const UNKNOWN = "7009:pool-bot-unknown-0123456789abcdef";
const TELEGRAM_ID = 4300;
let chat: ChatHarness;
let stack: DeployStack;
let repos: string;

/** The default template's Telegram module asks for its token so. */
const ENV_EXAMPLE = "PORT=\n\n# user: the bot token from @BotFather\nTELEGRAM_BOT_TOKEN=\n";
/** A variable of another name, marked as a bot token by its comment. */
const MARKED_EXAMPLE = "PORT=\n\n# telegram-bot: the quotes bot\nQUOTES_BOT=\n";

beforeAll(async () => {
  if (!ready) return;
  stack = await startDeployStack({ REPO_ALLOW_LOCAL: "true", DEPLOY_HEALTH_RETRIES: "10" });
  ({ chat, repos } = stack);
}, 120_000);

afterAll(() => stack?.stop(), 120_000);

const auditRows = async () =>
  (await queryD1<{ n: number }>(chat.dir, "select count(*) as n from audit_log"))[0]?.n ?? 0;

describe.skipIf(!ready)("the Telegram bot pool", { timeout: 600_000 }, () => {
  it("hands bots to projects like ports, asks the user when empty, and takes them back", async () => {
    const admin = memberApi(chat.worker.api, chat.worker.adminKey);
    const a = chat.telegram.addBot(TOKEN_A, { id: 7001, username: "pool_a_bot" });
    const b = chat.telegram.addBot(TOKEN_B, { id: 7002, username: "pool_b_bot" });

    // A token Telegram does not know is refused, and nothing is written.
    const before = await auditRows();
    const refused = await admin("/bots", { token: UNKNOWN });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: "invalid_request",
      details: { reason: "401: Unauthorized" },
    });
    expect(JSON.stringify(refused.body)).not.toContain("pool-bot-unknown");
    expect((await admin("/bots", { token: "not a token" })).status).toBe(400);
    expect(await auditRows()).toBe(before);

    // Two bots, each checked with getMe and one audit row; listed without their tokens.
    const first = await admin("/bots", { token: TOKEN_A });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(await auditRows()).toBe(before + 1);
    const second = (await admin("/bots", { token: TOKEN_B })).body;
    expect(a.calls.map((call) => call.method)).toEqual(["getMe"]);
    expect((await admin("/bots", { token: TOKEN_A })).status).toBe(409);
    const listed = await admin("/bots");
    expect(listed.body.items.map((bot: any) => [bot.username, bot.status])).toEqual([
      ["pool_a_bot", "free"],
      ["pool_b_bot", "free"],
    ]);
    expect(JSON.stringify(listed.body)).not.toMatch(/pool-bot-[ab]-secret/);
    const stored = await queryD1<{ ciphertext: string }>(chat.dir, "select ciphertext from telegram_bots");
    expect(JSON.stringify(stored)).not.toMatch(/pool-bot-[ab]-secret/);

    const user = await chat.api<{ id: string }>("/users", { name: "Bo", telegramId: TELEGRAM_ID });
    const key = (await chat.api<{ key: string }>("/api-keys", { name: "bo", userId: user.id })).key;
    const as = memberApi(chat.worker.api, key);
    expect((await as("/bots")).status).toBe(403);
    const project = async (name: string, description: string, files: Record<string, string>) => {
      const created = await as("/projects", {
        name,
        description,
        repoUrl: serviceRepo(repos, name.toLowerCase().replace(/\W+/g, "-"), {
          "server.js": HEALTHY_SERVER_JS,
          ...files,
        }).url,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const run = (await as(`/projects/${created.body.id}/runs`, { kind: "devops" })).body;
      return { ...created.body, runId: run.id as string };
    };
    const ended = (runId: string) =>
      until(`run ${runId} to end`, async () => {
        const current = (await as(`/runs/${runId}`)).body;
        return ["succeeded", "failed", "cancelled"].includes(current.status) ? current : undefined;
      });
    const steps = async (runId: string) =>
      ((await as(`/runs/${runId}/steps`)).body.items as any[]).map((step) => [step.name, step.status]);

    // The first project gets the first bot, named after it; the deploy gets its token.
    const weather = await project("Weather Bot", "Tells the weather in your city.", {
      ".env.example": ENV_EXAMPLE,
    });
    expect(await ended(weather.runId), "the first deploy").toMatchObject({ status: "succeeded" });
    const timeline = (await as(`/runs/${weather.runId}/steps`)).body.items as any[];
    expect(timeline.find((step) => step.name === "secrets")?.detail).toEqual({
      generated: [],
      asked: [],
      bots: ["TELEGRAM_BOT_TOKEN"],
    });
    expect(timeline.find((step) => step.name === "bot TELEGRAM_BOT_TOKEN")).toMatchObject({
      status: "succeeded",
      detail: { bot: "pool_a_bot", named: true },
    });
    expect(timeline.map((step) => step.name)).not.toContain("secret TELEGRAM_BOT_TOKEN");
    expect(a).toMatchObject({
      name: "Weather Bot",
      description: "Tells the weather in your city.",
      shortDescription: "Tells the weather in your city.",
    });
    const dotenv = await readFile(
      path.join(stack.deployRoot, weather.resourceName, "current", ".env"),
      "utf8",
    );
    expect(dotenv).toContain(TOKEN_A);
    const secrets = (await as(`/projects/${weather.id}/secrets`)).body.items.map((s: any) => s.name);
    expect(secrets).toContain("TELEGRAM_BOT_TOKEN");

    // The second one, whose variable is marked as a bot token, gets the next bot; Telegram's
    // rate limit on renaming is waited out.
    b.failures.set("setMyName", [
      { error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } },
    ]);
    const quotes = await project("Quote Bot", "Sends a quote a day.", { ".env.example": MARKED_EXAMPLE });
    expect(await ended(quotes.runId), "the second deploy").toMatchObject({ status: "succeeded" });
    expect(b).toMatchObject({ name: "Quote Bot", description: "Sends a quote a day." });
    expect(b.calls.filter((call) => call.method === "setMyName").map((call) => call.failed)).toEqual([
      429,
      undefined,
    ]);
    const quotesEnv = await readFile(
      path.join(stack.deployRoot, quotes.resourceName, "current", ".env"),
      "utf8",
    );
    expect(quotesEnv).toContain(TOKEN_B);
    expect(
      (await admin("/bots?status=assigned")).body.items.map((bot: any) => [bot.username, bot.projectId]),
    ).toEqual([
      ["pool_a_bot", weather.id],
      ["pool_b_bot", quotes.id],
    ]);
    expect((await admin(`/bots/${second.id}`, undefined, "DELETE")).status).toBe(409);

    // The pool is empty: the third project's deploy (its manifest marks its bot variable) asks its
    // user, as without a pool.
    const news = await project("News Bot", "Reads the news.", {
      ".env.example": "PORT=\n\nNEWS_BOT=\n",
      "orchestrator.json": JSON.stringify({ service: { telegramBots: ["NEWS_BOT"] } }),
    });
    await until("the third deploy to ask for the token", async () => {
      const rows = await steps(news.runId);
      return rows.some(([name, status]) => name === "secret NEWS_BOT" && status === "running")
        ? rows
        : undefined;
    });
    expect(await steps(news.runId)).toContainEqual(["bot NEWS_BOT", "skipped"]);
    const analyzed = ((await as(`/runs/${news.runId}/steps`)).body.items as any[]).find(
      (step) => step.name === "analyze env",
    );
    expect(analyzed.detail).toMatchObject({ NEWS_BOT: "user (manifest)" });
    // In the owner's chat with the bot (the run was started through the API): the secret prompt.
    const prompt = await eventually(
      () => chat.telegram.texts(TELEGRAM_ID).find((text) => text.includes("NEWS_BOT")),
      "the prompt for the token",
    );
    expect(prompt).toContain(news.slug);
    // The first two were never asked.
    expect(
      chat.telegram.texts(TELEGRAM_ID).filter((text) => text.includes("Please send the value")),
    ).toHaveLength(1);
    expect((await as(`/projects/${news.id}`, undefined, "DELETE")).status).toBe(204);

    // Deleting the first project undeploys it and returns its bot, reset, to the pool.
    a.webhookUrl = "https://weather.example.test/telegram";
    expect((await as(`/projects/${weather.id}`, undefined, "DELETE")).status).toBe(204);
    const undeploy = await until("the undeploy run", async () => {
      const runs = (await as(`/projects/${weather.id}/runs`)).body.items as any[];
      return runs.find((run) => run.kind === "undeploy");
    });
    expect(await ended(undeploy.id), "the undeploy").toMatchObject({ status: "succeeded" });
    expect(await steps(undeploy.id)).toContainEqual(["return bots", "succeeded"]);
    expect(a).toMatchObject({ name: "", description: "", shortDescription: "", webhookUrl: "" });
    const pool = (await admin("/bots")).body.items.map((bot: any) => [
      bot.username,
      bot.status,
      bot.projectId,
    ]);
    expect(pool).toEqual([
      ["pool_a_bot", "free", null],
      ["pool_b_bot", "assigned", quotes.id],
    ]);

    // A free bot can leave the pool (one audit row).
    const removing = await auditRows();
    expect((await admin(`/bots/${first.body.id}`, undefined, "DELETE")).status).toBe(204);
    expect(await auditRows()).toBe(removing + 1);

    // No token reached the run timelines or the audit log.
    const audit = JSON.stringify(await queryD1(chat.dir, "select details from audit_log"));
    const stepDetails = JSON.stringify(await queryD1(chat.dir, "select detail from run_steps"));
    for (const text of [audit, stepDetails]) expect(text).not.toMatch(/pool-bot-[ab]-secret/);
  });
});
