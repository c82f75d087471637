/**
 * The Product-Owner agent's tool calls and the bot's project screens, end to end (real Worker under
 * wrangler dev; loopback Telegram and Anthropic): a clarifying question answered with a button,
 * a project created and an engineering run started through the same domain operations as the
 * API, costs recorded, the project card's buttons, cancelling a run, and an open question that is
 * recalled and then expires.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatHarness, eventually, lastUserText } from "./support/chat.ts";

let chat: ChatHarness;
let nextChat = 4000;

async function member(name = "Member") {
  const id = nextChat++;
  const user = await chat.api<{ id: string }>("/users", { name, telegramId: id });
  return { id, first_name: name, userId: user.id };
}

const waitCall = (
  method: string,
  chatId: number | undefined,
  match: (payload: Record<string, any>) => boolean,
  what: string,
) => eventually(() => chat.telegram.sent(method, chatId).find((call) => match(call.payload)), what);
const waitText = (chatId: number, part: string) =>
  waitCall("sendMessage", chatId, (payload) => String(payload.text).includes(part), part);
const waitEdit = (chatId: number, part: string) =>
  waitCall(
    "editMessageText",
    chatId,
    (payload) => String(payload.text).includes(part),
    `an edit with ${part}`,
  );
const buttons = (payload: Record<string, any>): string[] =>
  (payload.reply_markup?.inline_keyboard ?? [])
    .flat()
    .map((button: { callback_data: string }) => button.callback_data);

beforeAll(async () => {
  chat = await ChatHarness.start({
    CHAT_REMIND_AFTER_S: "2",
    CHAT_EXPIRE_AFTER_S: "4",
    // Pia's project imports a repository from this host.
    REPO_ALLOWED_HOSTS: "git.example.test",
  });
}, 120_000);

afterAll(async () => {
  await chat?.stop();
});

describe("Product-Owner agent", () => {
  it("asks one question, then creates the project and starts engineering through the domain operations", async () => {
    const user = await member("Una");
    chat.respond((request) => {
      const last = lastUserText(request);
      if (last.startsWith("I need a URL shortener")) {
        return {
          tool: {
            name: "ask_user",
            input: { question: "Should short links expire?", options: ["Never", "After 30 days"] },
          },
        };
      }
      if (last === "After 30 days") {
        const description = "Shortens URLs; links expire after 30 days; GET /health answers 200.";
        return {
          tool: {
            name: "create_project",
            input: { name: "URL Shortener", description, modules: ["database"] },
          },
        };
      }
      if (last.includes('"slug":"url-shortener"') && last.includes('"status":"draft"')) {
        return { tool: { name: "start_engineering", input: { project: "url-shortener" } } };
      }
      if (last.includes('"kind":"engineering"'))
        return { text: "Engineering has started; I will keep you posted." };
      return { text: `unexpected: ${last}` };
    });
    await chat.say(user, "I need a URL shortener with a health endpoint");
    const question = await waitText(user.id, "Should short links expire?");
    expect(buttons(question.payload)).toEqual(["ans:0", "ans:1"]);
    await chat.press(user, "ans:1", question.result.message_id);
    await waitText(user.id, "➡️ After 30 days");
    await waitText(user.id, "Engineering has started");

    const projects = await chat.api<{ items: any[] }>(`/projects?ownerId=${user.userId}`);
    expect(projects.items).toHaveLength(1);
    const project = projects.items[0];
    expect(project).toMatchObject({ slug: "url-shortener", modules: ["database"], status: "draft" });
    const runs = await chat.api<{ items: any[] }>(`/projects/${project.id}/runs`);
    expect(runs.items).toMatchObject([{ kind: "engineering" }]);
    const status = await waitText(user.id, runs.items[0].id);
    expect(status.payload.text).toContain("engineering run");
    // The run's workflow started from this chat; with no repository host configured here it stops
    // at once, and its progress edits the same status message.
    const ended = await waitEdit(user.id, "REPO_BASE_URL");
    expect(ended.payload.message_id).toBe(status.result.message_id);
    expect((await chat.api(`/runs/${runs.items[0].id}`)).status).toBe("failed");

    // Four model calls at 100 input + 20 output tokens each, priced as a Sonnet: $0.0006 each; the
    // project is booked the two made once it existed (the call that created it came before it).
    await chat.say(user, "/cost");
    const cost = await waitText(user.id, "This conversation");
    expect(cost.payload.text).toContain("This conversation: $0.0024");
    expect(cost.payload.text).toContain("<code>url-shortener</code> $0.0012");
    // No request to the model repeated the question's tool call unanswered: each tool_use got its result.
    const last = JSON.parse(chat.model.requests.at(-1)?.body ?? "{}");
    const uses = last.messages
      .flatMap((m: any) => (Array.isArray(m.content) ? m.content : []))
      .filter((b: any) => b.type === "tool_use");
    const results = last.messages
      .flatMap((m: any) => (Array.isArray(m.content) ? m.content : []))
      .filter((b: any) => b.type === "tool_result");
    expect(results.map((b: any) => b.tool_use_id).sort()).toEqual(uses.map((b: any) => b.id).sort());
  });

  it("shows projects as a list and a card whose buttons deploy, list secrets, and delete after confirming", async () => {
    const user = await member("Pia");
    // With a repository (and no executor here), a deploy waits at its first job: it can be cancelled.
    const project = await chat.api<{ id: string }>("/projects", {
      name: "Pia's Blog",
      ownerId: user.userId,
      repoUrl: "https://git.example.test/pia/blog.git",
    });
    await chat.say(user, "/projects");
    const list = await waitText(user.id, "Your projects");
    expect(buttons(list.payload)).toEqual([`prj:${project.id}`]);

    await chat.press(user, `prj:${project.id}`, list.result.message_id);
    const card = await waitCall(
      "editMessageText",
      user.id,
      (p) => String(p.text).includes("Pia&#39;s Blog") || String(p.text).includes("Pia's Blog"),
      "the card",
    );
    expect(card.payload.message_id).toBe(list.result.message_id);
    expect(buttons(card.payload)).toEqual([
      `dep:${project.id}`,
      `logs:${project.id}`,
      `sec:${project.id}`,
      `del:${project.id}`,
      "prjs:0",
    ]);

    await chat.press(user, `dep:${project.id}`, list.result.message_id);
    await waitCall("answerCallbackQuery", undefined, (p) => p.text === "Deploy started", "the toast");
    const runs = await chat.api<{ items: any[] }>(`/projects/${project.id}/runs`);
    expect(runs.items).toMatchObject([
      { kind: "devops", status: expect.stringMatching(/^(queued|running)$/) },
    ]);

    await chat.press(user, `sec:${project.id}`);
    await waitText(user.id, "No secrets yet.");

    // Cancelling the run from /cancel edits the run's status message in place.
    await chat.say(user, "/cancel");
    const pick = await waitText(user.id, "Which run should I cancel?");
    expect(buttons(pick.payload)).toEqual([`run:x:${runs.items[0].id}`]);
    await chat.press(user, `run:x:${runs.items[0].id}`);
    const statusMessage = await waitText(user.id, runs.items[0].id);
    const edited = await waitEdit(user.id, "cancelled");
    expect(edited.payload.message_id).toBe(statusMessage.result.message_id);

    await chat.press(user, `del:${project.id}`, list.result.message_id);
    const confirm = await waitCall(
      "editMessageText",
      user.id,
      (p) => String(p.text).startsWith("Delete"),
      "the confirmation",
    );
    expect(buttons(confirm.payload)).toEqual([`del!:${project.id}`, `prj:${project.id}`]);
    await chat.press(user, `del!:${project.id}`, list.result.message_id);
    await waitCall("editMessageText", user.id, (p) => String(p.text).includes("is deleted"), "the deletion");
    const after = await chat.api<{ items: any[] }>(`/projects?ownerId=${user.userId}`);
    expect(after.items).toEqual([]);
  });

  it("reminds about an open question, then lets it expire and keeps the conversation valid", async () => {
    const user = await member("Rex");
    chat.respond((request) => {
      const last = lastUserText(request);
      if (last === "build me a bot")
        return { tool: { name: "ask_user", input: { question: "Which chat platform?" } } };
      return { text: `Got: ${last}` };
    });
    await chat.say(user, "build me a bot");
    await waitText(user.id, "Which chat platform?");
    await waitText(user.id, "⏰ I am still waiting for your answer to: Which chat platform?");
    await waitText(user.id, "⌛ I stopped waiting for your answer.");
    await chat.say(user, "Telegram, after all");
    await waitText(user.id, "Got: Telegram, after all");
    const body = JSON.parse(chat.model.requests.at(-1)?.body ?? "{}");
    const expired = body.messages
      .flatMap((m: any) => (Array.isArray(m.content) ? m.content : []))
      .find((b: any) => b.type === "tool_result");
    expect(expired.content).toContain("did not answer in time");
  });

  it("answers /help, /start, /status and unknown commands without the model", async () => {
    const user = await member("Cid");
    const before = chat.model.requests.length;
    for (const command of ["/start", "/help", "/status", "/frobnicate", "/servers"])
      await chat.say(user, command);
    await waitText(user.id, "Hello Cid!");
    await waitText(user.id, "/projects: your projects");
    await waitText(user.id, "Nothing waits for you.");
    await waitText(user.id, "I don't know /frobnicate");
    await waitText(user.id, "Only admins may use this command.");
    expect(chat.model.requests.length).toBe(before);
  });
});
