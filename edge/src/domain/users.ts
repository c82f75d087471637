/**
 * Users as operations on D1: who may use the system, with which role and status. Every path that
 * adds a user (an admin through the API, a stranger's access request and a configured admin in the
 * chat: see `approvals.ts`) builds its row with `newUser`, and every change to one (the API's
 * updates, the chat's approvals) is written by `changeUser`, with its audit row.
 *
 *   const user = await createUser(db, actor, { name: "Ada", role: "member", status: "active" });
 */
import type { Role, User } from "@codegen-orchestrator/shared";
import { asc, desc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { users } from "../db/schema.ts";
import { iso, newId } from "../ids.ts";
import { type Actor, assertAdminActor, isAdminActor } from "./actor.ts";
import { type AuditEntry, auditedBy } from "./audit.ts";
import { conflict, forbidden, notFound } from "./errors.ts";
import { afterId, type Keyset } from "./keyset.ts";

export type UserRow = typeof users.$inferSelect;
export type UserStatus = UserRow["status"];

/** The user row the bootstrap key acts as, so every action has an actor in the audit log. */
export const BOOTSTRAP_ADMIN_ID = "00000000000000000000000000";

export const toUser = (row: UserRow): User => ({
  id: row.id,
  telegramId: row.telegramId,
  name: row.name,
  role: row.role,
  status: row.status,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

export interface NewUser {
  /** Only for the bootstrap admin; others get a new id. */
  id?: string | undefined;
  name: string;
  telegramId?: number | null | undefined;
  role?: Role | undefined;
  status?: UserStatus | undefined;
}

/** A new user's row: a member, active, unless told otherwise. */
export function newUser(input: NewUser, now = new Date()): UserRow {
  return {
    id: input.id ?? newId(),
    telegramId: input.telegramId ?? null,
    name: input.name,
    role: input.role ?? "member",
    monthlyBudgetUsd: null,
    status: input.status ?? "active",
    createdAt: now,
    updatedAt: now,
  };
}

export async function findUser(db: Db, id: string): Promise<UserRow> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  if (!row) throw notFound("user");
  return row;
}

/** A user, for an admin or the user themself. */
export async function readUser(db: Db, actor: Actor, id: string): Promise<UserRow> {
  if (!isAdminActor(actor) && id !== actor.userId) throw forbidden("Only admins may read other users.");
  return findUser(db, id);
}

export async function findUserByTelegramId(db: Db, telegramId: number): Promise<UserRow | null> {
  const [row] = await db.select().from(users).where(eq(users.telegramId, telegramId)).limit(1);
  return row ?? null;
}

/** Users in id order (admins). */
export async function listUsers(db: Db, actor: Actor, page: Keyset): Promise<UserRow[]> {
  assertAdminActor(actor);
  return db.select().from(users).where(afterId(users.id, page)).orderBy(asc(users.id)).limit(page.limit);
}

/** The most recently added users, newest first (admins). */
export async function latestUsers(db: Db, actor: Actor, limit: number): Promise<UserRow[]> {
  assertAdminActor(actor);
  return db.select().from(users).orderBy(desc(users.createdAt)).limit(limit);
}

async function assertTelegramIdFree(db: Db, telegramId: number | null | undefined, self?: string) {
  if (telegramId == null) return;
  const [other] = await db.select({ id: users.id }).from(users).where(eq(users.telegramId, telegramId));
  if (other && other.id !== self)
    throw conflict("Another user has this Telegram id.", { field: "telegramId" });
}

/** An admin adds a user. */
export async function createUser(db: Db, actor: Actor, input: NewUser): Promise<UserRow> {
  assertAdminActor(actor);
  await assertTelegramIdFree(db, input.telegramId);
  const row = newUser(input);
  await auditedBy(
    db,
    actor.userId,
    { action: "user.create", targetType: "user", targetId: row.id, details: { role: row.role } },
    db.insert(users).values(row),
  );
  return row;
}

export type UserChanges = Partial<Pick<UserRow, "name" | "telegramId" | "role" | "status">>;

/** Writes changes to a user with the actor's audit row, in one batch; the changed row. */
export async function changeUser(
  db: Db,
  actorId: string,
  row: UserRow,
  changes: UserChanges,
  entry: AuditEntry,
): Promise<UserRow> {
  const changed: UserRow = { ...row, ...changes, updatedAt: new Date() };
  await auditedBy(
    db,
    actorId,
    entry,
    db
      .update(users)
      .set({ ...changes, updatedAt: changed.updatedAt })
      .where(eq(users.id, row.id)),
  );
  return changed;
}

/** An admin changes a user's name, Telegram id, role or status. */
export async function updateUser(db: Db, actor: Actor, id: string, changes: UserChanges): Promise<UserRow> {
  assertAdminActor(actor);
  const current = await findUser(db, id);
  await assertTelegramIdFree(db, changes.telegramId, id);
  return changeUser(db, actor.userId, current, changes, {
    action: "user.update",
    targetType: "user",
    targetId: id,
    details: { fields: Object.keys(changes) },
  });
}

/** Per isolate: the row exists once written, so later requests skip the write. */
let bootstrapAdminEnsured = false;

/** The bootstrap admin's row (the `ADMIN_API_KEY`'s user), written once. */
export async function ensureBootstrapAdmin(db: Db): Promise<void> {
  if (bootstrapAdminEnsured) return;
  const row = newUser({ id: BOOTSTRAP_ADMIN_ID, name: "Bootstrap admin", role: "admin" });
  await db.insert(users).values(row).onConflictDoNothing().run();
  bootstrapAdminEnsured = true;
}
