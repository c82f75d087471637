/**
 * The chat channel over the Telegram Bot API (grammY's `Api`): HTML parse mode, long texts split,
 * 429 answers waited out (`retry_after`, via `@grammyjs/auto-retry`), "message is not modified"
 * treated as success.
 *
 *   const channel = telegramChannel({ token, apiRoot });
 */
import { autoRetry } from "@grammyjs/auto-retry";
import type { InlineKeyboardMarkup } from "grammy/types";
import { Api, GrammyError } from "grammy/web";
import type { ChatChannel, Keyboard } from "../chat/channel.ts";
import { escapeHtml, htmlToText, MESSAGE_LIMIT, splitText } from "./format.ts";

export interface TelegramOptions {
  token: string;
  /** The Bot API's origin (default Telegram's own); tests point it at a loopback server. */
  apiRoot?: string | undefined;
  /** The longest `retry_after` to wait out before giving up, in seconds. */
  maxRetryDelaySeconds?: number;
}

const markup = (keyboard?: Keyboard): InlineKeyboardMarkup | undefined =>
  keyboard && keyboard.length > 0
    ? { inline_keyboard: keyboard.map((row) => row.map((b) => ({ text: b.text, callback_data: b.data }))) }
    : undefined;

const isNotModified = (err: unknown) =>
  err instanceof GrammyError && err.description.includes("message is not modified");

export function telegramApi(options: TelegramOptions): Api {
  const api = new Api(options.token, options.apiRoot ? { apiRoot: options.apiRoot } : undefined);
  api.config.use(
    autoRetry({
      maxRetryAttempts: 5,
      maxDelaySeconds: options.maxRetryDelaySeconds ?? 60,
      rethrowHttpErrors: false,
    }),
  );
  return api;
}

export function telegramChannel(options: TelegramOptions): ChatChannel {
  const api = telegramApi(options);
  const send = async (chatId: number, html: string, keyboard?: Keyboard) => {
    const sent = await api.sendMessage(chatId, html, {
      parse_mode: "HTML",
      reply_markup: markup(keyboard),
      link_preview_options: { is_disabled: true },
    });
    return sent.message_id;
  };
  return {
    send: async (chatId, html, keyboard) => {
      if (html.length <= MESSAGE_LIMIT) return send(chatId, html, keyboard);
      // Our own HTML is short; a long one is split as text so no tag is ever cut in two.
      return sendParts(send, chatId, splitText(htmlToText(html)), keyboard);
    },
    sendText: (chatId, text, keyboard) => sendParts(send, chatId, splitText(text), keyboard),
    edit: async (chatId, messageId, html, keyboard) => {
      try {
        await api.editMessageText(chatId, messageId, html.slice(0, MESSAGE_LIMIT), {
          parse_mode: "HTML",
          reply_markup: markup(keyboard),
          link_preview_options: { is_disabled: true },
        });
      } catch (err) {
        if (!isNotModified(err)) throw err;
      }
    },
    delete: async (chatId, messageId) => {
      try {
        return await api.deleteMessage(chatId, messageId);
      } catch (err) {
        if (err instanceof GrammyError) return false;
        throw err;
      }
    },
    answerCallback: async (callbackId, toast) => {
      await api.answerCallbackQuery(callbackId, toast ? { text: toast.slice(0, 200) } : undefined);
    },
    typing: async (chatId) => {
      await api.sendChatAction(chatId, "typing");
    },
  };
}

async function sendParts(
  send: (chatId: number, html: string, keyboard?: Keyboard) => Promise<number>,
  chatId: number,
  parts: string[],
  keyboard?: Keyboard,
): Promise<number> {
  let last = 0;
  for (const [index, part] of parts.entries()) {
    // Buttons go under the last part, where the reader ends up.
    last = await send(chatId, escapeHtml(part), index === parts.length - 1 ? keyboard : undefined);
  }
  return last;
}
