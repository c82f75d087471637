import { describe, expect, it } from "vitest";
import { escapeHtml, htmlToText, MESSAGE_LIMIT, splitText } from "../src/telegram/format.ts";
import { chatIdOf, classify, TelegramUpdate } from "../src/telegram/update.ts";

describe("splitText", () => {
  it("keeps a short text whole and cuts a long one at paragraph, line or word boundaries", () => {
    expect(splitText("  hello  ")).toEqual(["hello"]);
    const paragraph = "word ".repeat(500).trim(); // 2,499 characters
    const parts = splitText(`${paragraph}\n\n${paragraph}`);
    expect(parts).toEqual([paragraph, paragraph]);
    const words = splitText("abc ".repeat(2000).trim());
    expect(words.length).toBe(2);
    for (const part of words) expect(part.startsWith("abc") && part.endsWith("abc")).toBe(true);
  });

  it("counts the escaped length, so no part exceeds the limit once escaped", () => {
    const text = "<&>".repeat(3000);
    const parts = splitText(text);
    for (const part of parts) expect(escapeHtml(part).length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    expect(parts.join("")).toBe(text);
  });

  it("cuts a text without spaces at the limit, never inside an emoji", () => {
    const text = "😀".repeat(3000); // 6,000 UTF-16 units
    const parts = splitText(text, 101);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(101);
      expect(part.length % 2).toBe(0);
    }
    expect(parts.join("")).toBe(text);
  });

  it("turns HTML back into the text a reader sees", () => {
    expect(htmlToText(`<b>a &amp; b</b> &lt;tag&gt; ${escapeHtml('"q"')}`)).toBe('a & b <tag> "q"');
  });
});

describe("updates", () => {
  const from = { id: 7, is_bot: false, first_name: "Ada", last_name: "L", username: "ada" };
  const chat = { id: 7, type: "private" };

  it("classifies text, commands (with the bot's name) and button presses", () => {
    const text = classify(
      TelegramUpdate.parse({ update_id: 1, message: { message_id: 3, chat, from, text: "hi" } }),
    );
    expect(text).toMatchObject({
      kind: "text",
      chatId: 7,
      messageId: 3,
      text: "hi",
      from: { name: "Ada L", username: "ada" },
    });
    const command = classify(
      TelegramUpdate.parse({
        update_id: 2,
        message: { message_id: 4, chat, from, text: "/Projects@OrchBot  2 " },
      }),
    );
    expect(command).toMatchObject({ kind: "command", command: "projects", args: "2" });
    const press = classify(
      TelegramUpdate.parse({
        update_id: 3,
        callback_query: { id: "c", from, data: "prj:1", message: { message_id: 9, chat } },
      }),
    );
    expect(press).toMatchObject({
      kind: "callback",
      chatId: 7,
      messageId: 9,
      data: "prj:1",
      callbackId: "c",
    });
  });

  it("ignores what it does not handle, and finds the chat of any update", () => {
    const sticker = TelegramUpdate.parse({
      update_id: 4,
      message: { message_id: 5, chat, from, sticker: {} },
    });
    expect(classify(sticker)).toMatchObject({ kind: "ignored", reason: "not text" });
    const fromBot = TelegramUpdate.parse({
      update_id: 5,
      message: { message_id: 6, chat, from: { ...from, is_bot: true }, text: "x" },
    });
    expect(classify(fromBot)).toMatchObject({ kind: "ignored", reason: "no human sender" });
    const member = TelegramUpdate.parse({
      update_id: 6,
      my_chat_member: { chat: { id: -5, type: "group" }, from },
    });
    expect(classify(member)).toMatchObject({ kind: "ignored", chatId: -5 });
    expect(chatIdOf({ update_id: 7, inline_query: { id: "q", from, query: "" } })).toBeNull();
  });

  it("rejects updates without a numeric update_id", () => {
    expect(TelegramUpdate.safeParse({ update_id: "1" }).success).toBe(false);
    expect(TelegramUpdate.safeParse({}).success).toBe(false);
  });
});
