/**
 * The Telegram bot end to end: the real Worker (wrangler dev: workerd, D1, the ChatSession Durable
 * Object), a loopback Telegram Bot API (grammY's apiRoot) and a loopback Anthropic Messages API
 * (the SDK's baseURL), both scripted per test. Each test talks in its own chat.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { TELEGRAM_WEBHOOK_PATH } from "@codegen-orchestrator/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPollingBridge } from "../scripts/telegram-bridge.ts";
import { BOT_TOKEN, ChatHarness, eventually, lastUserText, WEBHOOK_SECRET } from "./support/chat.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");

let chat: ChatHarness;
let nextChat = 2000;

/** A member with an active user row (created through the API), in a chat of their own. */
async function member(name = "Member") {
  const id = nextChat++;
  await chat.api("/users", { name, telegramId: id });
  return { id, first_name: name };
}

const repliesTo = (id: number, count: number) =>
  eventually(
    () => chat.telegram.texts(id).length >= count && chat.telegram.texts(id),
    `${count} replies to ${id}`,
  );

beforeAll(async () => {
  // The console's address the bot's /login links name (the Worker's own port is chosen later).
  chat = await ChatHarness.start({ CONSOLE_URL: "http://console.test" });
}, 120_000);

afterAll(async () => {
  await chat?.stop();
});

describe("webhook", () => {
  it("refuses a missing or wrong secret token with 401 and does nothing", async () => {
    const stranger = { id: nextChat++, first_name: "Mallory" };
    chat.respond(() => ({ text: "should never be asked" }));
    const requestsBefore = chat.model.requests.length;
    const missing = await chat.post(chat.message(stranger, "hi"), null);
    const wrong = await chat.post(chat.message(stranger, "hi"), "not-the-secret");
    expect([missing.status, wrong.status]).toEqual([401, 401]);
    expect(((await wrong.json()) as any).error.code).toBe("unauthorized");
    // A later, authentic update from another chat is answered; the refused ones left no trace.
    const probe = await member();
    await chat.say(probe, "ping");
    await repliesTo(probe.id, 1);
    expect(chat.telegram.calls.filter((call) => call.payload.chat_id === stranger.id)).toEqual([]);
    const users = await chat.api<{ items: { telegramId: number | null }[] }>("/users?limit=200");
    expect(users.items.some((user) => user.telegramId === stranger.id)).toBe(false);
    expect(chat.model.requests.length).toBe(requestsBefore + 1);
  });

  it("handles a repeated update_id once", async () => {
    const user = await member();
    chat.respond((request) => ({ text: `Echo: ${lastUserText(request)}` }));
    const update = chat.message(user, "only once");
    const first = await chat.post(update);
    const second = await chat.post(update);
    expect((await first.json()) as object).toMatchObject({ ok: true, outcome: "queued" });
    expect((await second.json()) as object).toMatchObject({ ok: true, outcome: "duplicate" });
    await repliesTo(user.id, 1);
    await chat.say(user, "and then this");
    expect(await repliesTo(user.id, 2)).toEqual(["Echo: only once", "Echo: and then this"]);
  });

  it("ignores updates it does not handle: stickers, photos, edited messages, member updates", async () => {
    const user = await member();
    const requests = chat.model.requests.length;
    const base = { date: 0, chat: { id: user.id, type: "private" }, from: { ...user, is_bot: false } };
    const updates = [
      { message: { ...base, message_id: 1, sticker: { file_id: "s", width: 1, height: 1 } } },
      { message: { ...base, message_id: 2, photo: [{ file_id: "p", width: 1, height: 1 }] } },
      { edited_message: { ...base, message_id: 3, text: "edited" } },
      {
        my_chat_member: {
          chat: base.chat,
          from: base.from,
          date: 0,
          old_chat_member: { status: "member", user: base.from },
          new_chat_member: { status: "kicked", user: base.from },
        },
      },
      { inline_query: { id: "q", from: base.from, query: "x", offset: "" } },
    ];
    for (const update of updates) {
      const response = await chat.post({ update_id: chat.nextUpdateId(), ...update });
      expect(response.status).toBe(200);
      expect(((await response.json()) as any).outcome).toBe("ignored");
    }
    chat.respond(() => ({ text: "still here" }));
    await chat.say(user, "are you alive?");
    expect(await repliesTo(user.id, 1)).toEqual(["still here"]);
    expect(chat.model.requests.length).toBe(requests + 1);
  });

  it("answers a malformed update with 400 and a JSON error", async () => {
    const response = await chat.post({ update_id: "seven" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.code).toBe("invalid_request");
  });
});

describe("conversation", () => {
  it("answers 20 messages that arrive while the agent works: all, in order, none lost", async () => {
    const user = await member();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    chat.respond(async (request) => {
      if (calls++ === 0) await held;
      return { text: `answer to ${lastUserText(request)}` };
    });
    const sent = ["message 0"];
    await chat.say(user, "message 0");
    await eventually(() => calls > 0, "the first model call");
    for (let i = 1; i <= 20; i++) {
      sent.push(`message ${i}`);
      await chat.say(user, `message ${i}`);
    }
    release();
    const replies = await repliesTo(user.id, 21);
    expect(replies).toEqual(sent.map((text) => `answer to ${text}`));
  });

  it("splits a 5,000-character answer into messages under 4,096 characters", async () => {
    const user = await member();
    const paragraph = "All work and no play makes a long answer. ".repeat(20).trim();
    const answer = Array.from({ length: 6 }, () => paragraph)
      .join("\n\n")
      .slice(0, 5000);
    chat.respond(() => ({ text: answer }));
    await chat.say(user, "tell me everything");
    const parts = await repliesTo(user.id, 2);
    expect(parts.length).toBe(2);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    expect(parts.join("").replace(/\s/g, "")).toBe(answer.replace(/\s/g, ""));
  });

  it("waits out a 429 from Telegram and delivers the reply", async () => {
    const user = await member();
    chat.respond(() => ({ text: "worth the wait" }));
    chat.telegram.failNext("sendMessage", {
      error_code: 429,
      description: "Too Many Requests: retry after 1",
      parameters: { retry_after: 1 },
    });
    await chat.say(user, "hello");
    expect(await repliesTo(user.id, 1)).toEqual(["worth the wait"]);
    const attempts = chat.telegram.calls.filter(
      (c) => c.method === "sendMessage" && c.payload.chat_id === user.id,
    );
    expect(attempts.map((c) => c.failed ?? 200)).toEqual([429, 200]);
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it("retries an overloaded model, then tells the user plainly, and goes on afterwards", async () => {
    const user = await member();
    let calls = 0;
    chat.respond(() => {
      calls++;
      return {
        error: {
          status: 529,
          type: "overloaded_error",
          message: "Overloaded",
          headers: { "retry-after-ms": "10" },
        },
      };
    });
    await chat.say(user, "build me a thing");
    const [told] = await repliesTo(user.id, 1);
    expect(told).toContain("overloaded");
    expect(told).toContain("write to me again");
    expect(calls).toBe(3); // PO_MAX_RETRIES=2: the first try and two retries
    chat.respond(() => ({ text: "Back again." }));
    await chat.say(user, "hello?");
    expect((await repliesTo(user.id, 2))[1]).toBe("Back again.");
  });
});

describe("console sign-in", () => {
  it("/login answers with a one-time link to the console that signs the member in, once", async () => {
    const user = await member("Grace");
    await chat.say(user, "/login");
    const [reply] = await repliesTo(user.id, 1);
    const url = /href="(http:\/\/console\.test\/sign-in#col_[A-Za-z0-9_-]+)"/.exec(reply ?? "")?.[1];
    expect(url, reply).toBeDefined();
    const token = new URL(url ?? "").hash.slice(1);
    const signIn = () =>
      fetch(`${chat.worker.origin}/sign-in`, {
        method: "POST",
        body: new URLSearchParams({ token }),
        headers: { "sec-fetch-site": "same-origin" },
        redirect: "manual",
      });
    const first = await signIn();
    expect(first.status).toBe(303);
    const cookie = first.headers.get("set-cookie")?.split(";")[0] ?? "";
    const home = await fetch(`${chat.worker.origin}/`, { headers: { cookie }, redirect: "manual" });
    expect(await home.text()).toContain("Signed in as Grace");
    expect((await signIn()).status).toBe(400);
  });
});

describe("local and production wiring", () => {
  it("feeds polled updates to the local webhook (npm start's bridge) and confirms them only after", async () => {
    const user = await member();
    chat.respond((request) => ({ text: `Polled: ${lastUserText(request)}` }));
    const update = chat.message(user, "via the bridge");
    chat.telegram.pushUpdate(update);
    const bridge = startPollingBridge({
      token: BOT_TOKEN,
      apiRoot: chat.telegram.apiRoot,
      webhookUrl: `${chat.worker.origin}${TELEGRAM_WEBHOOK_PATH}`,
      secret: WEBHOOK_SECRET,
      pollSeconds: 1,
      log: () => {},
    });
    try {
      expect(await repliesTo(user.id, 1)).toEqual(["Polled: via the bridge"]);
      await eventually(
        () => chat.telegram.sent("getUpdates").some((call) => call.payload.offset === update.update_id + 1),
        "the offset moved past the update",
      );
      expect(bridge.forwarded()).toBe(1);
      expect(chat.telegram.sent("deleteWebhook")).toHaveLength(1);
    } finally {
      await bridge.stop();
    }
  });

  it("registers the webhook with its secret (npm run telegram:webhook), and explains what is missing", async () => {
    const env = {
      PATH: process.env.PATH ?? "",
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_ROOT: chat.telegram.apiRoot,
      PUBLIC_URL: "https://orchestrator.example.test",
    };
    const script = path.join(root, "scripts", "telegram-webhook.ts");
    const missing = await run(process.execPath, [script], { env }).catch((err) => err);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("set TELEGRAM_WEBHOOK_SECRET");
    const done = await run(process.execPath, [script], {
      env: { ...env, TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET },
    });
    expect(done.stdout).toContain("Webhook set: https://orchestrator.example.test/telegram/webhook");
    expect(done.stdout).not.toContain(WEBHOOK_SECRET);
    const [set] = chat.telegram.sent("setWebhook");
    expect(set?.payload).toMatchObject({
      url: "https://orchestrator.example.test/telegram/webhook",
      secret_token: WEBHOOK_SECRET,
      allowed_updates: ["message", "callback_query"],
    });
  });
});
