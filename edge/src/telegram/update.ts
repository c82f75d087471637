/**
 * The parts of a Telegram update the bot acts on, validated at the webhook. Anything else (edited
 * messages, stickers, photos, member updates, inline queries) is classified `ignored`, never an error.
 *
 *   const inbound = classify(TelegramUpdate.parse(body));
 */
import { z } from "zod";

const TelegramUser = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().max(256).default(""),
  last_name: z.string().max(256).optional(),
  username: z.string().max(64).optional(),
});

const TelegramChat = z.looseObject({ id: z.number().int(), type: z.string().max(32) });

const TelegramMessage = z.looseObject({
  message_id: z.number().int(),
  chat: TelegramChat,
  from: TelegramUser.optional(),
  date: z.number().int().optional(),
  text: z.string().max(16_384).optional(),
  entities: z
    .array(z.looseObject({ type: z.string(), offset: z.number().int(), length: z.number().int() }))
    .optional(),
});

export const TelegramUpdate = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: TelegramMessage.optional(),
  callback_query: z
    .looseObject({
      id: z.string().max(256),
      from: TelegramUser,
      message: TelegramMessage.optional(),
      data: z.string().max(64).optional(),
    })
    .optional(),
});
export type TelegramUpdate = z.infer<typeof TelegramUpdate>;

/** Who wrote: enough to identify, greet and (for admins) describe a user. */
export interface Sender {
  telegramId: number;
  name: string;
  username: string | null;
}

export type Inbound =
  | { kind: "text"; updateId: number; chatId: number; from: Sender; messageId: number; text: string }
  | {
      kind: "command";
      updateId: number;
      chatId: number;
      from: Sender;
      messageId: number;
      command: string;
      args: string;
    }
  | {
      kind: "callback";
      updateId: number;
      chatId: number;
      from: Sender;
      callbackId: string;
      messageId: number | null;
      data: string;
    }
  | { kind: "ignored"; updateId: number; chatId: number | null; reason: string };

const senderOf = (user: z.infer<typeof TelegramUser>): Sender => ({
  telegramId: user.id,
  name: [user.first_name, user.last_name].filter(Boolean).join(" ") || (user.username ?? String(user.id)),
  username: user.username ?? null,
});

/** The chat an update belongs to, whatever its kind (null for chat-less updates such as inline queries). */
export function chatIdOf(update: Record<string, unknown>): number | null {
  for (const value of Object.values(update)) {
    if (typeof value !== "object" || value === null) continue;
    const record = value as { chat?: { id?: unknown }; message?: { chat?: { id?: unknown } } };
    const id = record.chat?.id ?? record.message?.chat?.id;
    if (typeof id === "number" && Number.isSafeInteger(id)) return id;
  }
  return null;
}

/** `/projects@MyBot 2` → { command: "projects", args: "2" }. */
export function parseCommand(text: string): { command: string; args: string } | null {
  const match = /^\/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match?.[1]) return null;
  return { command: match[1].toLowerCase(), args: (match[2] ?? "").trim() };
}

export function classify(update: TelegramUpdate): Inbound {
  const updateId = update.update_id;
  const callback = update.callback_query;
  if (callback) {
    const chatId = callback.message?.chat.id ?? callback.from.id;
    if (callback.data === undefined) return { kind: "ignored", updateId, chatId, reason: "game callback" };
    return {
      kind: "callback",
      updateId,
      chatId,
      from: senderOf(callback.from),
      callbackId: callback.id,
      messageId: callback.message?.message_id ?? null,
      data: callback.data,
    };
  }
  const message = update.message;
  if (!message) return { kind: "ignored", updateId, chatId: chatIdOf(update), reason: "update kind" };
  const chatId = message.chat.id;
  if (!message.from || message.from.is_bot)
    return { kind: "ignored", updateId, chatId, reason: "no human sender" };
  if (message.text === undefined) return { kind: "ignored", updateId, chatId, reason: "not text" };
  const from = senderOf(message.from);
  const base = { updateId, chatId, from, messageId: message.message_id };
  const command = message.text.startsWith("/") ? parseCommand(message.text) : null;
  return command ? { kind: "command", ...base, ...command } : { kind: "text", ...base, text: message.text };
}
