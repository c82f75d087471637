/**
 * What a web chat receives, as the chat session's inbound messages: a text (a `/command` when it
 * starts with one), a button press, or a value from the write-only secret field. The message's id
 * is given when it is shown in the chat (`WebChat.show`), once its turn has come.
 */
import { parseCommand } from "../../telegram/update.ts";
import type { Handled } from "../inbox.ts";

export type WebInput =
  | { kind: "text"; text: string }
  | { kind: "button"; messageId: number; data: string }
  | { kind: "secret"; value: string };

export function webInbound(chatId: number, updateId: number, userName: string, input: WebInput): Handled {
  // `from` is who Telegram says wrote; in a web chat the chat itself says who it is (`webChatAccess`).
  const base = { updateId, chatId, from: { telegramId: 0, name: userName, username: null } };
  if (input.kind === "button")
    return {
      ...base,
      kind: "callback",
      callbackId: `web:${updateId}`,
      messageId: input.messageId,
      data: input.data,
    };
  if (input.kind === "secret") return { ...base, kind: "secret", messageId: 0, text: input.value };
  const command = input.text.trim().startsWith("/") ? parseCommand(input.text) : null;
  if (command) return { ...base, kind: "command", messageId: 0, ...command };
  return { ...base, kind: "text", messageId: 0, text: input.text };
}
