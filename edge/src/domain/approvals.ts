/**
 * Who may use the system from the chat, and admins' decisions on who else may. Fails closed: the
 * configured admins (their rows are kept active admins), and users whose row is `active`. A
 * stranger's request adds a `pending` user (`requestAccess`); an admin approves (`active`) or
 * refuses (`blocked`) them (`decideAccess`). Rows are built and changed by `users.ts`, as the
 * API's are.
 *
 *   const access = await accessOf(db, [42], { telegramId: 7, name: "Ada" });
 */

import type { Db } from "../db/client.ts";
import { users } from "../db/schema.ts";
import { type Actor, assertAdminActor } from "./actor.ts";
import { auditedBy } from "./audit.ts";
import { changeUser, findUserByTelegramId, newUser, type UserRow } from "./users.ts";

/** A person as the chat knows them. */
export interface Person {
  telegramId: number;
  name: string;
}

export type Access =
  | { allowed: true; actor: Actor; user: UserRow }
  | { allowed: false; status: "new" | "pending" | "blocked" };

/** Whether this person may use the system; `admins` are the configured admins' Telegram ids. */
export async function accessOf(db: Db, admins: number[], person: Person): Promise<Access> {
  if (admins.includes(person.telegramId)) {
    const row = await ensureAdmin(db, person);
    return { allowed: true, actor: { userId: row.id, role: "admin" }, user: row };
  }
  const row = await findUserByTelegramId(db, person.telegramId);
  if (!row) return { allowed: false, status: "new" };
  if (row.status === "active") return { allowed: true, actor: { userId: row.id, role: row.role }, user: row };
  return { allowed: false, status: row.status };
}

/** Configured admins get (or keep) an active admin row, so their actions have an actor. */
async function ensureAdmin(db: Db, person: Person): Promise<UserRow> {
  const now = new Date();
  const [row] = await db
    .insert(users)
    .values(newUser({ telegramId: person.telegramId, name: person.name, role: "admin" }, now))
    .onConflictDoUpdate({
      target: users.telegramId,
      set: { role: "admin", status: "active", updatedAt: now },
    })
    .returning();
  if (!row) throw new Error("admin row not written");
  return row;
}

/**
 * Records a stranger as pending, once: the new row, or null when the person is already recorded
 * (nothing is written then).
 */
export async function requestAccess(db: Db, person: Person): Promise<UserRow | null> {
  const row = newUser({ telegramId: person.telegramId, name: person.name, status: "pending" });
  const inserted = await db.insert(users).values(row).onConflictDoNothing().returning({ id: users.id });
  if (inserted.length === 0) return null;
  await auditedBy(db, null, {
    action: "user.request_access",
    targetType: "user",
    targetId: row.id,
    details: { telegramId: person.telegramId },
  });
  return row;
}

/** An admin's decision on a pending (or any non-admin) user; the user's row, or null if unknown. */
export async function decideAccess(
  db: Db,
  admin: Actor,
  telegramId: number,
  approve: boolean,
): Promise<UserRow | null> {
  assertAdminActor(admin);
  const row = await findUserByTelegramId(db, telegramId);
  if (!row || row.role === "admin") return row;
  return changeUser(
    db,
    admin.userId,
    row,
    { status: approve ? "active" : "blocked" },
    { action: approve ? "user.approve" : "user.deny", targetType: "user", targetId: row.id },
  );
}
