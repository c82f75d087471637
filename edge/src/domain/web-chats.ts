/**
 * Each user's chat in the web console: the same Product-Owner session as a Telegram chat, reached
 * through `/api/v1/chat`. A web chat is named by a number like a Telegram chat, so runs, costs and
 * the chat agent treat both alike: `WEB_CHAT_BASE + seq`. Telegram's chat ids have at most 52
 * significant bits, so every web chat id lies above them and below `Number.MAX_SAFE_INTEGER`.
 *
 *   const chatId = await webChatOf(db, userId);   // made on first use, then the same forever
 *   isWebChat(chatId)                              // true
 */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { webChats } from "../db/schema.ts";
import type { Access } from "./approvals.ts";
import { findUser } from "./users.ts";

export const WEB_CHAT_BASE = 2 ** 52;

export const isWebChat = (chatId: number) =>
  Number.isSafeInteger(chatId) && chatId > WEB_CHAT_BASE && chatId <= Number.MAX_SAFE_INTEGER;

/** The user's web chat id, made on first use. */
export async function webChatOf(db: Db, userId: string): Promise<number> {
  await db.insert(webChats).values({ userId, createdAt: new Date() }).onConflictDoNothing();
  const [row] = await db.select({ seq: webChats.seq }).from(webChats).where(eq(webChats.userId, userId));
  if (!row) throw new Error(`no web chat for user ${userId}`);
  return WEB_CHAT_BASE + row.seq;
}

/** Who may write in a web chat: its user while active (the console signed them in already). */
export async function webChatAccess(db: Db, chatId: number): Promise<Access> {
  const [row] = await db
    .select({ userId: webChats.userId })
    .from(webChats)
    .where(eq(webChats.seq, chatId - WEB_CHAT_BASE));
  if (!row) return { allowed: false, status: "blocked" };
  const user = await findUser(db, row.userId);
  if (user.status !== "active") return { allowed: false, status: user.status };
  return { allowed: true, actor: { userId: user.id, role: user.role }, user };
}
