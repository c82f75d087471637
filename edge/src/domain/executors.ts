/**
 * Executors on D1: the fleet's registrations, which admins create (the token is shown once, stored
 * hashed), drain or resume, and revoke. A row holds what the admin allows the executor: its pool
 * (the `pool` label) and the capabilities it may advertise (`executors/policy.ts` reads them).
 * What the executors do live (connections, jobs) is the ExecutorHub's, not D1's.
 *
 *   const { row, token } = await registerExecutor(db, actor, { name: "runner-1", pool: "default" });
 */
import { ALL_CAPABILITIES, POOL_LABEL } from "@codegen-orchestrator/shared";
import { and, asc, eq, isNull } from "drizzle-orm";
import { generateKey, sha256Hex } from "../auth/keys.ts";
import type { Db } from "../db/client.ts";
import { executors } from "../db/schema.ts";
import { newId } from "../ids.ts";
import { type Actor, assertAdminActor } from "./actor.ts";
import { auditedBy } from "./audit.ts";
import { notFound } from "./errors.ts";

export type ExecutorRow = typeof executors.$inferSelect;

export interface NewExecutor {
  name: string;
  /** The pool whose jobs (and their secrets) it may take. */
  pool: string;
  /** The capabilities it may advertise; all when absent. */
  capabilities?: string[] | undefined;
}

/** Registers an executor; `token` is shown once and stored only as its hash. */
export async function registerExecutor(
  db: Db,
  actor: Actor,
  input: NewExecutor,
): Promise<{ row: ExecutorRow; token: string }> {
  assertAdminActor(actor);
  const { key, prefix, hash } = await generateKey("executor");
  const row: ExecutorRow = {
    id: newId(),
    name: input.name,
    tokenPrefix: prefix,
    tokenHash: hash,
    labels: { [POOL_LABEL]: input.pool },
    capabilities: [...new Set(input.capabilities ?? ALL_CAPABILITIES)],
    capacity: 0,
    status: "offline",
    lastSeenAt: null,
    createdAt: new Date(),
    revokedAt: null,
  };
  await auditedBy(
    db,
    actor.userId,
    {
      action: "executor.create",
      targetType: "executor",
      targetId: row.id,
      details: { name: input.name, pool: input.pool, capabilities: row.capabilities },
    },
    db.insert(executors).values(row),
  );
  return { row, token: key };
}

/** Every executor ever registered, revoked ones included, in id order. */
export async function listExecutors(db: Db, actor: Actor): Promise<ExecutorRow[]> {
  assertAdminActor(actor);
  return db.select().from(executors).orderBy(asc(executors.id));
}

/** The executors not revoked, by name. */
export async function activeExecutors(db: Db, actor: Actor): Promise<ExecutorRow[]> {
  assertAdminActor(actor);
  return db.select().from(executors).where(isNull(executors.revokedAt)).orderBy(executors.name);
}

export async function findExecutor(db: Db, actor: Actor, id: string): Promise<ExecutorRow> {
  assertAdminActor(actor);
  const [row] = await db.select().from(executors).where(eq(executors.id, id));
  if (!row) throw notFound("executor");
  return row;
}

/** The audit row of an admin's drain or resume (the hub does the draining). */
export async function recordExecutorAction(
  db: Db,
  actor: Actor,
  row: ExecutorRow,
  action: "drain" | "resume",
): Promise<void> {
  assertAdminActor(actor);
  await auditedBy(db, actor.userId, {
    action: `executor.${action}`,
    targetType: "executor",
    targetId: row.id,
  });
}

/** Revokes an executor's token (once; revoking again changes nothing); the revoked row. */
export async function revokeExecutor(db: Db, actor: Actor, id: string): Promise<ExecutorRow> {
  const row = await findExecutor(db, actor, id);
  const revoked = { ...row, revokedAt: row.revokedAt ?? new Date() };
  if (!row.revokedAt) {
    await auditedBy(
      db,
      actor.userId,
      { action: "executor.revoke", targetType: "executor", targetId: row.id },
      db.update(executors).set({ revokedAt: revoked.revokedAt }).where(eq(executors.id, row.id)),
    );
  }
  return revoked;
}

/** The executor this token belongs to, with what its policy is made of; null if unknown or revoked. */
export async function executorForToken(
  db: Db,
  token: string,
): Promise<Pick<ExecutorRow, "id" | "labels" | "capabilities"> | null> {
  const [row] = await db
    .select({ id: executors.id, labels: executors.labels, capabilities: executors.capabilities })
    .from(executors)
    .where(and(eq(executors.tokenHash, await sha256Hex(token)), isNull(executors.revokedAt)));
  return row ?? null;
}
