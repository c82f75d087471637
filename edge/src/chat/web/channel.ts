/**
 * The chat channel of a web chat: messages go into the chat's log (`log.ts`) and out to the open
 * browser tabs as live frames. A message for another chat (an admin's notice, a user's approval)
 * goes through `elsewhere`, the Telegram channel when there is one.
 */
import type { ChatLiveFrame } from "@codegen-orchestrator/shared";
import { escapeHtml } from "../../telegram/format.ts";
import type { ChatChannel } from "../channel.ts";
import type { Change, WebChatLog } from "./log.ts";

/** A run the chat names links to its page in the console (the same text in Telegram stays plain). */
const linkRuns = (html: string) =>
  html.replace(/Run <code>([0-9A-HJKMNP-TV-Z]{26})<\/code>/g, 'Run <a href="/runs/$1"><code>$1</code></a>');

export interface WebChannelOptions {
  chatId: number;
  log: WebChatLog;
  /** Sends a frame to every open tab of this chat. */
  push(frame: ChatLiveFrame): void;
  elsewhere(): ChatChannel | null;
}

export function webChannel(options: WebChannelOptions): ChatChannel {
  const { chatId, log, push } = options;
  const shown = (change: Change | null) => {
    if (change) push({ type: "message", message: change.message, cursor: change.version });
    return change;
  };
  const other = (to: number): ChatChannel => {
    const channel = options.elsewhere();
    if (!channel) throw new Error(`chat ${to} cannot be reached from here (no Telegram bot configured)`);
    return channel;
  };
  const send = async (to: number, html: string, keyboard?: Parameters<ChatChannel["send"]>[2]) => {
    if (to !== chatId) return other(to).send(to, html, keyboard);
    return (shown(log.append("assistant", linkRuns(html), keyboard)) as Change).message.id;
  };
  return {
    send,
    sendText: (to, text, keyboard) => send(to, escapeHtml(text), keyboard),
    edit: async (to, messageId, html, keyboard) => {
      if (to !== chatId) return other(to).edit(to, messageId, html, keyboard);
      shown(log.edit(messageId, linkRuns(html), keyboard));
    },
    delete: async (to, messageId) => {
      if (to !== chatId) return other(to).delete(to, messageId);
      return shown(log.delete(messageId)) !== null;
    },
    answerCallback: async (_callbackId, toast) => {
      if (toast) push({ type: "toast", text: toast });
    },
    // The page shows the agent at work from the chat's state (`busy`).
    typing: async () => {},
  };
}
