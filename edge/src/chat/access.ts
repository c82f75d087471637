/**
 * Who may talk to the bot (see `domain/approvals.ts`): the admins named in ADMIN_TELEGRAM_IDS,
 * and users whose row is `active`. A stranger's first message creates a `pending` row and asks
 * every admin to approve or deny (buttons); until then the stranger gets a polite refusal. A web
 * chat is its user's (the console signed them in): it is theirs while they are active.
 */
import type { Db } from "../db/client.ts";
import { type Access, accessOf, requestAccess as recordRequest } from "../domain/approvals.ts";
import { isWebChat, webChatAccess } from "../domain/web-chats.ts";
import { escapeHtml } from "../telegram/format.ts";
import type { Sender } from "../telegram/update.ts";
import type { ChatChannel } from "./channel.ts";
import type { Handled } from "./inbox.ts";

type Allowed = Extract<Access, { allowed: true }>;

/** Records a stranger as pending and asks the admins, once: a stranger already recorded is left as is. */
export async function requestAccess(
  db: Db,
  channel: ChatChannel,
  admins: number[],
  from: Sender,
): Promise<void> {
  if (!(await recordRequest(db, from))) return;
  const who = `${escapeHtml(from.name)}${from.username ? ` (@${escapeHtml(from.username)})` : ""}`;
  const text = `🔑 <b>Access request</b>\n${who}, Telegram id <code>${from.telegramId}</code>, wants to use the bot.`;
  const keyboard = [
    [
      { text: "✅ Approve", data: `acc:ok:${from.telegramId}` },
      { text: "⛔ Deny", data: `acc:no:${from.telegramId}` },
    ],
  ];
  // An admin's private chat with the bot has the admin's user id as its chat id.
  await Promise.all(admins.map((admin) => channel.send(admin, text, keyboard).catch(() => 0)));
}

export const REFUSALS: Record<Exclude<Access, { allowed: true }>["status"], string> = {
  new: "Hello! This bot is private. I have asked its admins to let you in; you will get a message here when they decide.",
  pending: "Your access request is still waiting for an admin. You will get a message here when they decide.",
  blocked: "Sorry, an admin has not given you access to this bot.",
};

/** Who wrote, when they may use the system; otherwise null, and the sender told why (and the admins asked). */
export async function admit(
  db: Db,
  channel: ChatChannel,
  admins: number[],
  inbound: Handled,
): Promise<Allowed | null> {
  const access = isWebChat(inbound.chatId)
    ? await webChatAccess(db, inbound.chatId)
    : await accessOf(db, admins, inbound.from);
  if (access.allowed) return access;
  if (inbound.kind === "callback") {
    await channel.answerCallback(inbound.callbackId, "No access yet");
    return null;
  }
  if (access.status === "new") await requestAccess(db, channel, admins, inbound.from);
  await channel.send(inbound.chatId, REFUSALS[access.status]);
  return null;
}
