/**
 * Messages the system sends on its own, outside any conversation or run: to a user's private
 * Telegram chat (its id is the user's Telegram id), through that chat's session.
 *
 *   await notifyUser(env, owner.telegramId, "🔴 <b>notes</b> is down", [[{ text: "Restart", data: "inc:…" }]]);
 */
import { getAgentByName } from "agents";
import type { Db } from "../db/client.ts";
import { adminTelegramIds } from "../domain/admin-incidents.ts";
import type { Env } from "../env.ts";
import { telegramSettings } from "../settings/telegram.ts";
import type { Keyboard } from "./channel.ts";

/** Sends `html` to the user's chat; the message's id, or null when the user has no chat or it failed. */
export async function notifyUser(
  env: Env,
  telegramId: number | null,
  html: string,
  keyboard?: Keyboard,
): Promise<number | null> {
  if (telegramId === null) return null;
  return (
    (await inSession(env, telegramId, "notice.failed", (session) => session.notice(html, keyboard))) ?? null
  );
}

const sessionOf = (env: Env, telegramId: number) => getAgentByName(env.CHAT_SESSION, String(telegramId));

/** `use` on the user's chat session; undefined (and logged as `event`) when it failed. */
async function inSession<T>(
  env: Env,
  telegramId: number,
  event: string,
  use: (session: Awaited<ReturnType<typeof sessionOf>>) => Promise<T>,
): Promise<T | undefined> {
  try {
    return await use(await sessionOf(env, telegramId));
  } catch (err) {
    console.error(JSON.stringify({ event, error: String(err) }));
    return undefined;
  }
}

/** Edits a message notifyUser sent (an empty keyboard removes its buttons). Never throws. */
export async function editUserNotice(
  env: Env,
  telegramId: number,
  messageId: number,
  html: string,
  keyboard: Keyboard,
): Promise<void> {
  await inSession(env, telegramId, "notice.edit_failed", (session) =>
    session.editNotice(messageId, html, keyboard),
  );
}

/** Sends `html` to every admin's chat (the active admin users', and ADMIN_TELEGRAM_IDS'). */
export async function notifyAdmins(env: Env, db: Db, html: string): Promise<void> {
  const ids = await adminTelegramIds(db, telegramSettings.read(env).ADMIN_TELEGRAM_IDS);
  await Promise.all(ids.map((id) => notifyUser(env, id, html)));
}
