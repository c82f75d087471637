/**
 * Budgets end to end: a member whose monthly budget an admin set asks the bot for a service in
 * the chat (the loopback Telegram and Messages APIs); the engineering run pauses before its first
 * coding agent's job, whose expected cost would pass the budget, and asks in the chat. Raised
 * there, the run goes on to its end; stopped there, it ends cancelled. Nothing paid runs while it
 * waits. A real executor runs the jobs (the real Claude Code CLI); the repository is a local bare repo.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claudeBinary } from "../executor/test/support/fake-anthropic.ts";
import { ChatHarness, eventually } from "./support/chat.ts";
import { queryD1 } from "./support/d1.ts";
import { runEnded, type TimelineStep } from "./support/poll.ts";
import { shortenerScenario } from "./support/scenario.ts";

/** The member's monthly budget: room for the Architect's step, not for a Developer iteration's. */
const BUDGET_USD = 0.008;
const RAISE_USD = 0.05;
const claude = claudeBinary();
let chat: ChatHarness;
let repos: string;
let nextUser = 8100;

beforeAll(async () => {
  if (!claude) return;
  process.env.ORCHESTRATOR_CLAUDE_BIN = claude;
  repos = await mkdtemp(path.join(tmpdir(), "co-budget-repos-"));
  chat = await ChatHarness.start({
    REPO_BASE_URL: pathToFileURL(repos).href,
    // Each at least what such a step costs on the loopback model, so the cap is never passed.
    BUDGET_MODEL_STEP_USD: "0.002",
    BUDGET_AGENT_STEP_USD: "0.01",
    BUDGET_RAISE_USD: String(RAISE_USD),
  });
  chat.respond(shortenerScenario());
  await chat.fleet.executor(2, {});
}, 120_000);

afterAll(async () => {
  await chat?.stop();
  if (repos) await rm(repos, { recursive: true, force: true });
});

const texts = (chatId: number) =>
  chat.telegram.calls
    .filter((c) => c.payload.chat_id === chatId && ["sendMessage", "editMessageText"].includes(c.method))
    .map((c) => String(c.payload.text));
const waitFor = (chatId: number, part: string, timeoutMs = 120_000) =>
  eventually(() => texts(chatId).find((text) => text.includes(part)), part, timeoutMs);
const steps = async (runId: string): Promise<TimelineStep[]> =>
  (await chat.api(`/runs/${runId}/steps`)).items;

/** What the member's projects spent this month, as the admins' overview shows it. */
async function spentBy(userId: string): Promise<number> {
  const overview = await chat.api<{ users: { id: string; spentUsd: number }[] }>("/costs/overview");
  return overview.users.find((user) => user.id === userId)?.spentUsd ?? Number.NaN;
}

/** `POST /runs/{id}/budget` as an admin, whatever it answers. */
const answerBudget = (runId: string, body: unknown) =>
  fetch(`${chat.worker.api}/runs/${runId}/budget`, {
    method: "POST",
    headers: { authorization: `Bearer ${chat.worker.adminKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/** A member with a budget asks for a shortener; returns them, their run, and the budget question. */
async function pausedRun(name: string) {
  const id = nextUser++;
  const created = await chat.api<{ id: string }>("/users", { name, telegramId: id });
  const user = { id, first_name: name, userId: created.id };
  await chat.api(`/users/${user.userId}/budget`, { monthlyBudgetUsd: BUDGET_USD }, "PUT");
  await chat.say(user, `Hi, my name is ${name}. I need a URL shortener with a health endpoint`);
  await waitFor(id, "Should short links expire?");
  const question = chat.telegram
    .sent("sendMessage", id)
    .find((c) => String(c.payload.text).includes("expire"));
  await chat.press(user, "ans:1", question?.result.message_id);
  await waitFor(id, "A budget is reached.");
  const [project] = (await chat.api(`/projects?ownerId=${user.userId}`)).items;
  const [run] = (await chat.api(`/projects/${project.id}/runs`)).items;
  const asked = chat.telegram
    .sent("sendMessage", id)
    .find((c) => String(c.payload.text).includes("A budget is reached."));
  return { user, runId: run.id as string, asked };
}

describe.skipIf(!claude)("a run at its budget", { timeout: 300_000 }, () => {
  it("pauses before the paid step that would pass it, and goes on once the cap is raised in the chat", async () => {
    const { user, runId, asked } = await pausedRun("Dee");
    const buttons = (asked?.payload.reply_markup?.inline_keyboard ?? []).flat();
    expect(buttons.map((b: { text: string; callback_data: string }) => [b.text, b.callback_data])).toEqual([
      ["💸 Raise the cap by $0.05", `bud:r:${runId}`],
      ["⏹ Stop", `bud:s:${runId}`],
    ]);
    expect(String(asked?.payload.text)).toContain("would pass your monthly budget");

    // Paused before the Developer's job: none was submitted, and the spend is within the budget.
    expect(await chat.api(`/runs/${runId}`)).toMatchObject({ status: "waiting" });
    const paused = await steps(runId);
    expect(paused.map((step) => [step.name, step.status])).toEqual([
      ["architect", "succeeded"],
      ["prepare", "succeeded"],
      ["budget 1", "running"],
    ]);
    expect(paused.at(-1)?.detail).toMatchObject({
      step: "develop 1",
      limit: "user",
      capUsd: BUDGET_USD,
      raiseUsd: RAISE_USD,
    });
    const atPause = await spentBy(user.userId);
    expect(atPause).toBeGreaterThan(0);
    expect(atPause).toBeLessThanOrEqual(BUDGET_USD);

    await chat.press(user, `bud:r:${runId}`, asked?.result.message_id);
    await waitFor(user.id, "Cap raised by $0.05: going on.");
    const run = await runEnded(chat.api.bind(chat), runId, "the engineering run's end");
    expect(run, run.error).toMatchObject({ status: "succeeded" });
    const timeline = await steps(runId);
    expect(timeline.map((step) => step.name)).toEqual([
      "architect",
      "prepare",
      "budget 1",
      "develop 1",
      "test 1",
      "develop 2",
      "test 2",
    ]);
    expect(timeline[2]?.detail).toMatchObject({ choice: "raise", how: "answered", raiseUsd: RAISE_USD });
    const [raised] = await queryD1<{ budget_raise_usd: number }>(
      chat.dir,
      "SELECT budget_raise_usd FROM runs WHERE id = ?",
      runId,
    );
    expect(raised?.budget_raise_usd).toBe(RAISE_USD);
    // The Developer's iterations were paid for, within the raised cap.
    const after = await spentBy(user.userId);
    expect(after).toBeGreaterThan(atPause);
    expect(after).toBeLessThanOrEqual(BUDGET_USD + RAISE_USD);
    const audits = await queryD1<{ details: string }>(
      chat.dir,
      "SELECT details FROM audit_log WHERE action = 'run.budget' AND target_id = ?",
      runId,
    );
    expect(audits.map((row) => JSON.parse(row.details))).toEqual([{ choice: "raise", raiseUsd: RAISE_USD }]);
  });

  it("ends cancelled when stopped at its budget in the chat, having spent nothing more", async () => {
    const { user, runId, asked } = await pausedRun("Eve");
    const atPause = await spentBy(user.userId);
    // The API takes the same answer, checked: an unknown choice is refused, the run still waits.
    expect((await answerBudget(runId, { choice: "maybe" })).status).toBe(400);
    await chat.press(user, `bud:s:${runId}`, asked?.result.message_id);
    const run = await runEnded(chat.api.bind(chat), runId, "the stopped run's end");
    expect(run).toMatchObject({ status: "cancelled", error: expect.stringContaining("monthly budget") });
    const timeline = await steps(runId);
    expect(timeline.map((step) => step.name)).toEqual(["architect", "prepare", "budget 1"]);
    expect(timeline.at(-1)?.detail).toMatchObject({ choice: "stop" });
    expect(await spentBy(user.userId)).toBe(atPause);
    // Answered once: the API's answer after the chat's is refused.
    expect((await answerBudget(runId, { choice: "raise" })).status).toBe(409);
    // A project's budget may not be above its owner's.
    const [project] = (await chat.api(`/projects?ownerId=${user.userId}`)).items;
    await chat.say(user, `/budget ${project.slug} 1`);
    await waitFor(user.id, "Your own monthly budget is $0.01");
    // The chat shows the spend against the budget.
    await chat.say(user, "/cost");
    const cost = await waitFor(user.id, "This month (");
    expect(cost).toContain("budget $0.01");
  });
});
