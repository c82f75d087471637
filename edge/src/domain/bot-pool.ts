/**
 * The Telegram bot pool on D1. Admins register bot tokens (checked with getMe by the caller,
 * sealed here, never returned); a deploy whose environment asks for a bot token claims the first
 * free bot as the allocator takes a port: a conditional update (`status = 'free'`) is the guard
 * between concurrent deploys, and the token is sealed again as the project's secret, which is how
 * the deploy gets it. Deleting a project holds its bots (`releasing`) until its service is gone;
 * then they are reset and free again.
 *
 *   const bot = await claimBot(db, keyring, { projectId, variable: "TELEGRAM_BOT_TOKEN", actorId });
 */
import type { Bot, BotStatus } from "@codegen-orchestrator/shared";
import { and, asc, eq, isNull, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { violatedConstraint } from "../db/constraints.ts";
import { projects, secrets, telegramBots } from "../db/schema.ts";
import { iso, newId } from "../ids.ts";
import { type Keyring, openSecret, type SecretAddress, sealSecret } from "../secrets/crypto.ts";
import { type Actor, assertAdminActor } from "./actor.ts";
import { auditedBy } from "./audit.ts";
import { conflict, notFound } from "./errors.ts";
import { afterId, type Keyset } from "./keyset.ts";

export type BotRow = typeof telegramBots.$inferSelect;

export const toBot = (row: BotRow): Bot => ({
  id: row.id,
  botId: row.botId,
  username: row.username,
  status: row.status,
  projectId: row.projectId,
  variable: row.variable,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

/** Where a pooled token is sealed: bound to the pool and the row, so it opens nowhere else. */
const poolAddress = (id: string): SecretAddress => ({ projectId: "telegram-bot-pool", name: id });

/** A bot's token, in memory only: for the Bot API and the project's secret, never returned further. */
export interface PooledBot {
  id: string;
  username: string;
  token: string;
}

export async function registerBot(
  db: Db,
  keyring: Keyring,
  actor: Actor,
  identity: { id: number; username: string },
  token: string,
): Promise<BotRow> {
  assertAdminActor(actor);
  const [existing] = await db
    .select({ id: telegramBots.id })
    .from(telegramBots)
    .where(eq(telegramBots.botId, identity.id));
  const taken = () => conflict(`@${identity.username} is in the pool already.`, { id: existing?.id });
  if (existing) throw taken();
  const now = new Date();
  const id = newId();
  const row: BotRow = {
    id,
    botId: identity.id,
    username: identity.username,
    ...(await sealSecret(keyring, poolAddress(id), token)),
    status: "free",
    projectId: null,
    variable: null,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await auditedBy(
      db,
      actor.userId,
      { action: "bot.create", targetType: "bot", targetId: id, details: { username: identity.username } },
      db.insert(telegramBots).values(row),
    );
  } catch (err) {
    if (violatedConstraint(err) === "unique") throw taken();
    throw err;
  }
  return row;
}

/** The pool in id order, of one status or all (admins). */
export async function listBots(
  db: Db,
  actor: Actor,
  query: Keyset & { status?: BotStatus | undefined },
): Promise<BotRow[]> {
  assertAdminActor(actor);
  return db
    .select()
    .from(telegramBots)
    .where(
      and(query.status ? eq(telegramBots.status, query.status) : undefined, afterId(telegramBots.id, query)),
    )
    .orderBy(asc(telegramBots.id))
    .limit(query.limit);
}

/** The pool for the console: each bot with the name of the project it serves (admins). */
export async function poolOverview(
  db: Db,
  actor: Actor,
  limit: number,
): Promise<(BotRow & { projectName: string | null })[]> {
  assertAdminActor(actor);
  const rows = await db
    .select({ bot: telegramBots, projectName: projects.name })
    .from(telegramBots)
    .leftJoin(projects, eq(projects.id, telegramBots.projectId))
    .orderBy(asc(telegramBots.id))
    .limit(limit);
  return rows.map((row) => ({ ...row.bot, projectName: row.projectName }));
}

/**
 * Takes a bot out of the pool: a free one, or one a deleted project still holds (a server its
 * service could not be removed from keeps it `releasing`: once that server is clean, the admin
 * takes the bot out and adds it again). An assigned one is its project's until the project goes.
 */
export async function removeBot(db: Db, actor: Actor, id: string): Promise<void> {
  assertAdminActor(actor);
  const [row] = await db.select().from(telegramBots).where(eq(telegramBots.id, id));
  if (!row) throw notFound("bot");
  if (row.status === "assigned") throw conflict(`@${row.username} serves a project: it is not free.`);
  await auditedBy(
    db,
    actor.userId,
    { action: "bot.delete", targetType: "bot", targetId: id, details: { username: row.username } },
    db.delete(telegramBots).where(and(eq(telegramBots.id, id), ne(telegramBots.status, "assigned"))),
  );
}

export interface Claim {
  projectId: string;
  /** The project's variable the token fills (its secret's name). */
  variable: string;
  /** Who the project's secret is written for (its owner). */
  actorId: string;
}

/**
 * The project's bot for this variable: the one it holds already, else the first free one, its
 * token stored as the project's secret. Null when the pool has no free bot (the user is asked).
 */
export async function claimBot(db: Db, keyring: Keyring, claim: Claim): Promise<PooledBot | null> {
  const { projectId, variable } = claim;
  const [held] = await db
    .select()
    .from(telegramBots)
    .where(
      and(
        eq(telegramBots.projectId, projectId),
        eq(telegramBots.variable, variable),
        eq(telegramBots.status, "assigned"),
      ),
    );
  const row = held ?? (await claimFree(db, claim));
  if (!row) return null;
  const token = await openSecret(keyring, poolAddress(row.id), row);
  const sealed = await sealSecret(keyring, { projectId, name: variable }, token);
  const now = new Date();
  await auditedBy(
    db,
    claim.actorId,
    {
      action: "bot.assign",
      targetType: "project",
      targetId: projectId,
      details: { botId: row.id, username: row.username, variable },
    },
    db
      .insert(secrets)
      .values({ id: newId(), projectId, name: variable, ...sealed, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: [secrets.projectId, secrets.name], set: { ...sealed, updatedAt: now } }),
  );
  // Deleted meanwhile: its deletion erased its secrets before this one came; erase it too.
  if (!(await isLive(db, projectId))) {
    await db.delete(secrets).where(and(eq(secrets.projectId, projectId), eq(secrets.name, variable)));
    return null;
  }
  return { id: row.id, username: row.username, token };
}

/**
 * The first free bot, claimed: a concurrent claim of the same row updates nothing, and the next is
 * tried. Only for a live project: one deleted meanwhile would never give the bot back.
 */
async function claimFree(db: Db, { projectId, variable }: Claim): Promise<BotRow | null> {
  for (;;) {
    const [free] = await db
      .select()
      .from(telegramBots)
      .where(eq(telegramBots.status, "free"))
      .orderBy(asc(telegramBots.id))
      .limit(1);
    if (!free) return null;
    const [claimed] = await db
      .update(telegramBots)
      .set({ status: "assigned", projectId, variable, updatedAt: new Date() })
      .where(
        and(
          eq(telegramBots.id, free.id),
          eq(telegramBots.status, "free"),
          sql`exists (select 1 from ${projects} where ${projects.id} = ${projectId} and ${projects.deletedAt} is null)`,
        ),
      )
      .returning();
    if (claimed) return claimed;
    if (!(await isLive(db, projectId))) return null;
  }
}

async function isLive(db: Db, projectId: string): Promise<boolean> {
  const [live] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.id, projectId), isNull(projects.deletedAt)));
  return live !== undefined;
}

/** How many pooled bots the project holds (serving it, or waiting to go back). */
export const heldBots = (db: Db, projectId: string) =>
  db.$count(telegramBots, eq(telegramBots.projectId, projectId));

/** For `deleteProject`'s batch: the project's bots wait for its service to be gone. */
export const holdProjectBots = (db: Db, projectId: string) =>
  db
    .update(telegramBots)
    .set({ status: "releasing", updatedAt: new Date() })
    .where(and(eq(telegramBots.projectId, projectId), eq(telegramBots.status, "assigned")));

/** A deleted project's bots waiting to go back, with their tokens (for the Bot API reset). */
export async function releasingBots(
  db: Db,
  keyringOf: () => Promise<Keyring>,
  projectId: string,
): Promise<PooledBot[]> {
  const rows = await db
    .select()
    .from(telegramBots)
    .where(and(eq(telegramBots.projectId, projectId), eq(telegramBots.status, "releasing")));
  if (rows.length === 0) return [];
  // Only now: a deployment without secrets storage deletes its projects all the same.
  const keyring = await keyringOf();
  return Promise.all(
    rows.map(async (row) => ({
      id: row.id,
      username: row.username,
      token: await openSecret(keyring, poolAddress(row.id), row),
    })),
  );
}

/** A released bot is free again (the system's act: audited with no actor). */
export async function freeBot(db: Db, bot: Pick<PooledBot, "id" | "username">, projectId: string) {
  await auditedBy(
    db,
    null,
    {
      action: "bot.release",
      targetType: "bot",
      targetId: bot.id,
      details: { username: bot.username, projectId },
    },
    db
      .update(telegramBots)
      .set({ status: "free", projectId: null, variable: null, updatedAt: new Date() })
      .where(and(eq(telegramBots.id, bot.id), eq(telegramBots.status, "releasing"))),
  );
}
