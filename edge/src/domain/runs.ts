/**
 * Runs as operations on D1, shared by the HTTP API and the chat. A run starts `queued`; the
 * pipelines (Cloudflare Workflows) pick it up from there.
 *
 *   const run = await startRun(db, actor, projectId, "engineering");
 */
import { ACTIVE_RUN_STATUSES, type Run, type StartableRunKind } from "@codegen-orchestrator/shared";
import { and, desc, eq, inArray, isNotNull, isNull, lte } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projects, runs } from "../db/schema.ts";
import { iso, isoOrNull, newId } from "../ids.ts";
import type { Actor } from "./actor.ts";
import { auditedBy } from "./audit.ts";
import { conflict, notFound } from "./errors.ts";
import { findProject, findProjectHistory } from "./projects.ts";
import { projectVisible } from "./visibility.ts";

export type RunRow = typeof runs.$inferSelect;

export const toRun = (row: RunRow): Run => ({
  id: row.id,
  projectId: row.projectId,
  kind: row.kind,
  status: row.status as Run["status"],
  error: row.error,
  createdAt: iso(row.createdAt),
  startedAt: isoOrNull(row.startedAt),
  finishedAt: isoOrNull(row.finishedAt),
});

const isActive = (status: string) => (ACTIVE_RUN_STATUSES as readonly string[]).includes(status);

/** One active run per project and kind: the running one is named in the conflict. */
export async function assertNoActiveRun(
  db: Db,
  project: { id: string; slug: string },
  kind: StartableRunKind,
): Promise<void> {
  const [active] = await db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.projectId, project.id),
        eq(runs.kind, kind),
        inArray(runs.status, [...ACTIVE_RUN_STATUSES]),
      ),
    )
    .limit(1);
  if (active)
    throw conflict(
      `Project ${project.slug} already has ${kind === "upgrade" ? "an" : "a"} ${kind} run in progress.`,
      {
        runId: active.id,
      },
    );
}

/** A new run's row, queued (written by the caller, with its audit row). */
export const queuedRun = (
  projectId: string,
  kind: StartableRunKind | "preview" | "preview_teardown",
  chatId: number | null = null,
  brief: string | null = null,
): RunRow => ({
  id: newId(),
  projectId,
  kind,
  status: "queued",
  budgetRaiseUsd: 0,
  workflowInstanceId: null,
  chatId,
  brief,
  error: null,
  createdAt: new Date(),
  startedAt: null,
  finishedAt: null,
});

/**
 * Starts a run; one active run per project and kind (the running one is named in the conflict).
 * `chatId`: the chat that asked, which gets the run's progress; `brief`: a fix run's (runs.brief).
 */
export async function startRun(
  db: Db,
  actor: Actor,
  projectId: string,
  kind: StartableRunKind,
  chatId: number | null = null,
  brief: string | null = null,
): Promise<RunRow> {
  const project = await findProject(db, actor, projectId);
  await assertNoActiveRun(db, project, kind);
  const row = queuedRun(project.id, kind, chatId, brief);
  await auditedBy(
    db,
    actor.userId,
    {
      action: "run.start",
      targetType: "run",
      targetId: row.id,
      details: { projectId: project.id, kind, ...(brief ? { fix: true } : {}) },
    },
    db.insert(runs).values(row),
  );
  return row;
}

/**
 * The run, if the actor may see its project (a deleted one's included: `projectVisible`); another
 * member's run is "not found" like a missing one.
 */
export async function findRun(db: Db, actor: Actor, runId: string): Promise<RunRow> {
  const [row] = await db.select().from(runs).where(eq(runs.id, runId)).limit(1);
  if (!row || !(await projectVisible(db, actor, row.projectId))) throw notFound("run");
  return row;
}

/** A project's runs, newest first; a deleted project's too (its owner and admins). */
export async function listRuns(db: Db, actor: Actor, projectId: string, limit = 20): Promise<RunRow[]> {
  const project = await findProjectHistory(db, actor, projectId);
  return db.select().from(runs).where(eq(runs.projectId, project.id)).orderBy(desc(runs.id)).limit(limit);
}

export async function cancelRun(db: Db, actor: Actor, runId: string): Promise<RunRow> {
  const run = await findRun(db, actor, runId);
  if (!isActive(run.status)) throw conflict(`Run ${run.id} is already ${run.status}.`);
  const now = new Date();
  const cancelled: RunRow = { ...run, status: "cancelled", finishedAt: now };
  await auditedBy(
    db,
    actor.userId,
    { action: "run.cancel", targetType: "run", targetId: run.id, details: { projectId: run.projectId } },
    db
      .update(runs)
      .set({ status: "cancelled", finishedAt: now })
      .where(and(eq(runs.id, run.id), inArray(runs.status, [...ACTIVE_RUN_STATUSES]))),
  );
  return cancelled;
}

/** Of runs joined with their projects: the actor's own in progress (queued, running or waiting), of live projects. */
export const ownActiveRuns = (actor: Actor) =>
  and(
    eq(projects.ownerId, actor.userId),
    isNull(projects.deletedAt),
    inArray(runs.status, [...ACTIVE_RUN_STATUSES]),
  );

/** The actor's own runs in progress (of live projects), newest first, with their project's slug. */
export async function activeRunsOf(
  db: Db,
  actor: Actor,
  limit: number,
): Promise<{ run: RunRow; slug: string }[]> {
  return db
    .select({ run: runs, slug: projects.slug })
    .from(runs)
    .innerJoin(projects, eq(projects.id, runs.projectId))
    .where(ownActiveRuns(actor))
    .orderBy(desc(runs.id))
    .limit(limit);
}

/** Runs recorded before `before` but never launched (still `queued`, without a workflow instance). */
export function strandedRuns(db: Db, before: Date, limit: number): Promise<RunRow[]> {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.status, "queued"), isNull(runs.workflowInstanceId), lte(runs.createdAt, before)))
    .limit(limit);
}

/** Runs in progress (running or waiting) whose workflow was launched. */
export function launchedRuns(db: Db, limit: number): Promise<RunRow[]> {
  return db
    .select()
    .from(runs)
    .where(and(inArray(runs.status, ["running", "waiting"]), isNotNull(runs.workflowInstanceId)))
    .limit(limit);
}

/**
 * Marks a running or waiting run failed with this error; whether it was (a run that ended
 * meanwhile keeps its own outcome).
 */
export async function failRun(db: Db, runId: string, error: string): Promise<boolean> {
  const marked = await db
    .update(runs)
    .set({ status: "failed", error, finishedAt: new Date() })
    .where(and(eq(runs.id, runId), inArray(runs.status, ["running", "waiting"])))
    .returning({ id: runs.id });
  return marked.length > 0;
}
