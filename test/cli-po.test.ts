/**
 * The `cli` Product-Owner (PO_ENGINE=cli) through the Telegram webhook and the web chat, end to end: the real Worker
 * under wrangler dev, an executor, and the real Claude Code CLI as the chat's agent (its model the
 * loopback Messages API, scripted). Each message is an `agent` job whose tools are the API's, over
 * MCP, with a key minted for that job: the project is created, a question comes back with buttons,
 * the press resumes the same session, a secret is asked by name and captured by the chat (the agent
 * never sees it), and the run starts and reports to the chat. In the web chat, the chat is busy
 * while a turn runs, and a message written meanwhile waits to be the next turn's.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claudeBinary, type MessagesRequest, toolResults } from "../executor/test/support/fake-anthropic.ts";
import { ChatHarness, eventually } from "./support/chat.ts";
import { queryD1 } from "./support/d1.ts";
import { memberApi } from "./support/member.ts";

const claude = claudeBinary();
const CUSTOM_PO = path.resolve(import.meta.dirname, "support/custom-po-agent.mjs");
let chat: ChatHarness;

/** The turns' first words, as the chat sends them to the agent. */
const TURNS = ["I need a notes service", "The user answered your question", "The user sent NOTES_TOKEN"];

/** Which turn a request belongs to (the last prompt it holds), and the tool results since. */
function turnOf(request: MessagesRequest): { turn: number; results: string[] } {
  let turn = -1;
  let from = 0;
  request.messages.forEach((message, index) => {
    if (message.role !== "user") return;
    const text = JSON.stringify(message.content);
    const found = TURNS.findIndex((words) => text.includes(words));
    if (found >= 0) [turn, from] = [found, index];
  });
  const results = toolResults(request.messages.slice(from + 1));
  return { turn, results };
}

/** The bot's message to `chatId` that holds `part`, once sent (by this file's harness, or `to`'s). */
const waitSent = (chatId: number, part: string, to: ChatHarness = chat) =>
  eventually(
    () => to.telegram.sent("sendMessage", chatId).find((call) => String(call.payload.text).includes(part)),
    part,
    90_000,
  );

/**
 * Scripts the model for two turns: the one whose conversation holds `first` waits until the
 * returned function is called, then answers `firstAnswer`; one that holds `next` answers
 * `nextAnswer` at once.
 */
function holdFirstTurn(first: string, firstAnswer: string, next: string, nextAnswer: string): () => void {
  const { promise: held, resolve: release } = Promise.withResolvers<void>();
  chat.respond(async (request) => {
    const conversation = JSON.stringify(request.messages);
    if (conversation.includes(next)) return { text: nextAnswer };
    if (!conversation.includes(first)) return { text: "(not a turn of this test)" };
    await held;
    return { text: firstAnswer };
  });
  return release;
}

beforeAll(async () => {
  if (!claude) return;
  process.env.ORCHESTRATOR_CLAUDE_BIN = claude;
  chat = await ChatHarness.start({ PO_ENGINE: "cli" });
  await chat.fleet.executor(2, {});
}, 120_000);

afterAll(async () => {
  await chat?.stop();
});

describe.skipIf(!claude)("the CLI Product-Owner", () => {
  it("creates the project through MCP, asks with buttons, takes a secret by name, starts the run", async () => {
    const user = await chat.api<{ id: string }>("/users", { name: "Cleo", telegramId: 7100 });
    const cleo = { id: 7100, first_name: "Cleo" };
    const canary = `cli-po-canary-${crypto.randomUUID()}`;
    let projectId = "";
    chat.respond((request) => {
      const { turn, results } = turnOf(request);
      const call = (name: string, input: Record<string, unknown>) => ({
        tool: { name: `mcp__orchestrator__${name}`, input },
      });
      if (turn === 0 && results.length === 0)
        return call("create_project", {
          body: { name: "cli-notes", description: "Keeps notes; GET /health answers 200." },
        });
      if (turn === 0 && results.length === 1) {
        projectId = (JSON.parse(results[0] as string) as { id: string }).id;
        return call("ask_chat_question", {
          body: { question: "Who may read the notes?", options: ["Only me", "Everyone"] },
        });
      }
      if (turn === 0) return { text: "I created cli-notes." };
      if (turn === 1 && results.length === 0)
        return call("request_chat_secret", {
          body: { projectId, name: "NOTES_TOKEN", description: "The token of your notes store." },
        });
      if (turn === 1) return { text: "Thanks. One more thing: the store's token." };
      if (turn === 2 && results.length === 0)
        return call("start_run", { id: projectId, body: { kind: "engineering" } });
      if (turn === 2) return { text: "Engineering has started." };
      return { text: "(not a turn of this test)" };
    });

    // A message: the agent's job creates the project as Cleo and asks, and the chat shows both.
    await chat.say(cleo, "I need a notes service for my team");
    await waitSent(cleo.id, "I created cli-notes.");
    const question = await waitSent(cleo.id, "Who may read the notes?");
    const buttons = question.payload.reply_markup.inline_keyboard.flat();
    expect(buttons.map((button: { text: string }) => button.text)).toEqual(["Only me", "Everyone"]);
    const projects = await chat.api<{ items: { id: string; ownerId: string }[] }>(
      `/projects?ownerId=${user.id}`,
    );
    expect(projects.items).toMatchObject([{ id: projectId, ownerId: user.id }]);

    // The press is the next turn's prompt, in the same session.
    await chat.press(cleo, "ans:1", question.result.message_id);
    await waitSent(cleo.id, "Thanks. One more thing");
    const prompt = await waitSent(cleo.id, "NOTES_TOKEN");
    expect(prompt.payload.text).toContain("notes store");
    const secret = chat.message(cleo, canary);
    expect((await chat.post(secret)).status).toBe(200);
    await waitSent(cleo.id, "Engineering has started.");
    const [stored] = await chat
      .api<{ items: { name: string }[] }>(`/projects/${projectId}/secrets`)
      .then((page) => page.items);
    expect(stored?.name).toBe("NOTES_TOKEN");
    const runs = await chat.api<{ items: { id: string; kind: string }[] }>(`/projects/${projectId}/runs`);
    expect(runs.items).toMatchObject([{ kind: "engineering" }]);
    // The run reports to this chat (it stops at once here: no repository host is configured).
    await waitSent(cleo.id, runs.items[0]?.id as string);

    // Three turns, three agent jobs, each with a key of its own that died with it.
    const keys = await queryD1<{ job_id: string; revoked_at: number | null; chat_id: number }>(
      chat.dir,
      "SELECT job_id, revoked_at, chat_id FROM api_keys WHERE job_id IS NOT NULL ORDER BY created_at",
    );
    expect(keys).toHaveLength(3);
    expect(keys.every((key) => key.revoked_at !== null && key.chat_id === cleo.id)).toBe(true);
    const turns = await Promise.all(
      keys.map((key) =>
        chat.api<{ id: string; spec: any; output: any; status: string }>(`/jobs/${key.job_id}`),
      ),
    );
    expect(turns.map((job) => job.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    // The second and third resumed the first one's session, which still holds the first message.
    const session = turns[0]?.output.sessionId;
    expect(session).toBeTruthy();
    expect(turns.slice(1).map((job) => job.spec.resumeSession)).toEqual([session, session]);
    const third = chat.model.requests
      .map((request) => request.body)
      .filter((body) => body.includes(TURNS[2] ?? ""));
    expect(third.at(-1)).toContain(TURNS[0]);

    // No key in a job, a log or a model request; and never the secret.
    const logs = await Promise.all(turns.map((job) => chat.fleet.log(job.id)));
    const everything = JSON.stringify(turns) + logs.join("") + JSON.stringify(chat.model.requests);
    expect(everything).not.toContain(canary);
    expect(everything).not.toMatch(/co_[A-Za-z0-9_-]{40,}/);
    expect(chat.worker.output()).not.toContain(canary);

    // What each turn cost is booked to the chat (Claude Code prices the scripted usage), and /cost says so.
    const costs = await queryD1<{ job_id: string; chat_id: number; source: string; amount_usd: number }>(
      chat.dir,
      "SELECT job_id, chat_id, source, amount_usd FROM costs WHERE source = 'po-agent' ORDER BY rowid",
    );
    expect(costs.map((cost) => cost.job_id)).toEqual(turns.map((job) => job.id));
    expect(costs.every((cost) => cost.chat_id === cleo.id && cost.amount_usd > 0)).toBe(true);
    const total = costs.reduce((sum, cost) => sum + cost.amount_usd, 0);
    await chat.say(cleo, "/cost");
    const cost = await waitSent(cleo.id, "This conversation");
    expect(cost.payload.text).toContain(`This conversation: $${total.toFixed(4)}`);
  }, 300_000);

  it("in the web chat: busy while a turn runs; what is written meanwhile is the next turn's", async () => {
    const ada = await chat.api<{ id: string }>("/users", { name: "Ada" });
    const { key } = await chat.api<{ key: string }>("/api-keys", {
      name: "web",
      userId: ada.id,
      scopes: ["read", "write"],
    });
    const as = memberApi(chat.worker.api, key);
    const release = holdFirstTurn(
      "first idea",
      "Working on the first idea.",
      "second thought",
      "Noted both thoughts.",
    );
    type Feed = { items: { html: string; from: string }[]; busy: boolean };
    const feed = async () => (await as("/chat/messages")).body as Feed;
    const shown = (part: string) =>
      expect
        .poll(async () => (await feed()).items.some((message) => message.html.includes(part)), {
          timeout: 90_000,
          message: part,
        })
        .toBe(true);

    try {
      expect((await as("/chat/messages", { text: "first idea" })).status).toBe(202);
      await expect.poll(async () => (await feed()).busy, { timeout: 30_000 }).toBe(true);
      expect((await as("/chat/messages", { text: "second thought" })).status).toBe(202);
      await shown("I am still on your last message");
    } finally {
      release();
    }
    await shown("Working on the first idea.");
    await shown("Noted both thoughts.");
    await expect.poll(async () => (await feed()).busy, { timeout: 30_000 }).toBe(false);
    const texts = (await feed()).items.map((message) => message.html);
    const first = texts.findIndex((html) => html.includes("Working on the first idea."));
    expect(texts.findIndex((html) => html.includes("Noted both thoughts."))).toBeGreaterThan(first);
  }, 180_000);

  it("starts a new session after /new, even one written while a turn ran", async () => {
    await chat.api("/users", { name: "Hedy", telegramId: 7400 });
    const hedy = { id: 7400, first_name: "Hedy" };
    const release = holdFirstTurn("an old plan", "About the old plan.", "a fresh start", "Starting afresh.");
    try {
      await chat.say(hedy, "an old plan");
      await eventually(() => chat.telegram.sent("sendChatAction", hedy.id).length > 0, "typing", 30_000);
      await chat.say(hedy, "/new");
      await waitSent(hedy.id, "New conversation");
    } finally {
      release();
    }
    await waitSent(hedy.id, "About the old plan.");
    await chat.say(hedy, "a fresh start");
    await waitSent(hedy.id, "Starting afresh.");
    const keys = await queryD1<{ job_id: string }>(
      chat.dir,
      "SELECT job_id FROM api_keys WHERE chat_id = ? ORDER BY created_at",
      hedy.id,
    );
    const jobs = await Promise.all(keys.map((key) => chat.api<{ spec: any }>(`/jobs/${key.job_id}`)));
    expect(jobs.map((job) => job.spec.resumeSession ?? null)).toEqual([null, null]);
  }, 180_000);

  it("says so when a turn fails, and the next message is a turn again", async () => {
    await chat.api("/users", { name: "Fred", telegramId: 7200 });
    const fred = { id: 7200, first_name: "Fred" };
    chat.respond((request) => {
      const conversation = JSON.stringify(request.messages);
      if (conversation.includes("try again"))
        return { text: conversation.includes("overload me") ? "Back again." : "Fresh start." };
      if (conversation.includes("overload me"))
        return { error: { status: 400, type: "invalid_request_error", message: "scripted refusal" } };
      return { text: "(not a turn of this test)" };
    });
    await chat.say(fred, "overload me");
    const failed = await waitSent(fred.id, "could not answer");
    expect(failed.payload.text).toContain("Write again to retry");
    await chat.say(fred, "try again");
    await eventually(
      () => chat.telegram.texts(fred.id).find((text) => text === "Back again." || text === "Fresh start."),
      "the next turn's answer",
      90_000,
    );
  }, 180_000);

  it("can be an agent of one's own (PO_CLI_ADAPTER=custom) that uses the MCP server itself", async () => {
    const custom = await ChatHarness.start({
      PO_ENGINE: "cli",
      PO_CLI_ADAPTER: "custom",
      PO_CLI_COMMAND: `${process.execPath} ${CUSTOM_PO}`,
    });
    try {
      await custom.fleet.executor(1, {});
      await custom.api("/users", { name: "Grace", telegramId: 7300 });
      const grace = { id: 7300, first_name: "Grace" };
      const sent = (part: string) => waitSent(grace.id, part, custom);
      await custom.say(grace, "I need a service");
      await sent("Hello Grace, one question first.");
      const question = await sent("Which stack should it use?");
      await custom.press(grace, "ans:1", question.result.message_id);
      await sent("Noted, Grace: Python.");
    } finally {
      await custom.stop();
    }
  }, 180_000);

  it("refuses the chat tools to any key but a chat agent's", async () => {
    const response = await fetch(`${chat.worker.api}/chat/questions`, {
      method: "POST",
      headers: { authorization: `Bearer ${chat.worker.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ question: "Hello?" }),
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: { code: "conflict" } });
  });
});
