/**
 * The Telegram bot end to end: the real Worker (wrangler dev: workerd, D1, the ChatSession Durable
 * Object), a loopback Telegram Bot API (grammY's apiRoot) and a loopback Anthropic Messages API
 * (the SDK's baseURL), both scripted per test. Each test talks in its own chat.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_ID, ChatHarness, eventually, lastUserText } from "./support/chat.ts";

let chat: ChatHarness;
const admin = { id: ADMIN_ID, first_name: "Ada", username: "ada" };

beforeAll(async () => {
  chat = await ChatHarness.start();
}, 120_000);

afterAll(async () => {
  await chat?.stop();
});

describe("webhook", () => {
  it("answers a plain message from an admin through the PO agent", async () => {
    chat.respond((request) => ({ text: `You said: ${lastUserText(request)}` }));
    await chat.say(admin, "hello there");
    const texts = await eventually(
      () => chat.telegram.texts(ADMIN_ID).length > 0 && chat.telegram.texts(ADMIN_ID),
      "a reply",
    );
    expect(texts).toEqual(["You said: hello there"]);
  });
});
