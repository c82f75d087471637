/**
 * Who may talk to the bot. Fails closed: the admins named in ADMIN_TELEGRAM_IDS, and users whose
 * row is `active`. A stranger's first message creates a `pending` row and asks every admin to
 * approve or deny (buttons); until then the stranger gets a polite refusal.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { users } from "../db/schema.ts";
import type { Actor } from "../domain/actor.ts";
import { auditedBy } from "../domain/audit.ts";
import { newId } from "../ids.ts";
import { escapeHtml } from "../telegram/format.ts";
import type { Sender } from "../telegram/update.ts";
import type { ChatChannel } from "./channel.ts";

export type UserRow = typeof users.$inferSelect;

export type Access =
  | { allowed: true; actor: Actor; user: UserRow }
  | { allowed: false; status: "new" | "pending" | "blocked" };

/** `"1, 2"` → [1, 2]; anything that is not an id is skipped. */
export function adminIds(spec: string | undefined): number[] {
  return (spec ?? "")
    .split(/[\s,]+/)
    .map(Number)
    .filter((id) => Number.isSafeInteger(id) && id > 0);
}

export async function accessOf(db: Db, admins: number[], from: Sender): Promise<Access> {
  const now = new Date();
  if (admins.includes(from.telegramId)) {
    // Configured admins get (or keep) an active admin row, so their actions have an actor.
    const [row] = await db
      .insert(users)
      .values({
        id: newId(),
        telegramId: from.telegramId,
        name: from.name,
        role: "admin",
        status: "active",
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: users.telegramId,
        set: { role: "admin", status: "active", updatedAt: now },
      })
      .returning();
    if (!row) throw new Error("admin row not written");
    return { allowed: true, actor: { userId: row.id, role: "admin" }, user: row };
  }
  const [row] = await db.select().from(users).where(eq(users.telegramId, from.telegramId)).limit(1);
  if (!row) return { allowed: false, status: "new" };
  if (row.status === "active") return { allowed: true, actor: { userId: row.id, role: row.role }, user: row };
  return { allowed: false, status: row.status };
}

/** Records a stranger as pending and asks the admins, once: a stranger already recorded is left as is. */
export async function requestAccess(
  db: Db,
  channel: ChatChannel,
  admins: number[],
  from: Sender,
): Promise<void> {
  const now = new Date();
  const id = newId();
  const inserted = await db
    .insert(users)
    .values({
      id,
      telegramId: from.telegramId,
      name: from.name,
      status: "pending",
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: users.id });
  if (inserted.length === 0) return;
  await auditedBy(db, null, {
    action: "user.request_access",
    targetType: "user",
    targetId: id,
    details: { telegramId: from.telegramId },
  });
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

/** An admin's decision on a pending (or any non-admin) user; the user's row, or null if unknown. */
export async function decideAccess(
  db: Db,
  admin: Actor,
  telegramId: number,
  approve: boolean,
): Promise<UserRow | null> {
  const [row] = await db.select().from(users).where(eq(users.telegramId, telegramId)).limit(1);
  if (!row || row.role === "admin") return row ?? null;
  const status = approve ? "active" : "blocked";
  const updated: UserRow = { ...row, status, updatedAt: new Date() };
  await auditedBy(
    db,
    admin.userId,
    { action: approve ? "user.approve" : "user.deny", targetType: "user", targetId: row.id },
    db.update(users).set({ status, updatedAt: updated.updatedAt }).where(eq(users.id, row.id)),
  );
  return updated;
}

export const REFUSALS: Record<Exclude<Access, { allowed: true }>["status"], string> = {
  new: "Hello! This bot is private. I have asked its admins to let you in; you will get a message here when they decide.",
  pending: "Your access request is still waiting for an admin. You will get a message here when they decide.",
  blocked: "Sorry, an admin has not given you access to this bot.",
};
