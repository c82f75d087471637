/**
 * A run's state and timeline in D1, written by its workflow's steps. Every write is idempotent
 * (a replayed step writes the same row again), so the timeline never shows a step twice. Also what
 * stopping a run and answering its question read of the timeline.
 */
import type { JobKind } from "@codegen-orchestrator/shared";
import { and, asc, count, desc, eq, inArray, isNotNull, like } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { runSteps, runs } from "../db/schema.ts";
import { newId } from "../ids.ts";
import { type Actor, isAdminActor } from "./actor.ts";
import { projectVisible } from "./visibility.ts";

export type StepRow = typeof runSteps.$inferSelect;
export type StepStatus = StepRow["status"];

/** A step begins (again, on a replay); `detail`: what it shows while it runs (a question asked). */
export async function beginStep(
  db: Db,
  runId: string,
  name: string,
  jobId: string | null = null,
  detail: Record<string, unknown> | null = null,
): Promise<void> {
  const now = new Date();
  await db
    .insert(runSteps)
    .values({ id: newId(), runId, name, status: "running", jobId, detail, startedAt: now })
    .onConflictDoUpdate({
      target: [runSteps.runId, runSteps.name],
      set: detail ? { jobId, detail } : { jobId },
    });
}

export async function endStep(
  db: Db,
  runId: string,
  name: string,
  status: Exclude<StepStatus, "running">,
  detail: Record<string, unknown> | null = null,
  costUsd = 0,
): Promise<void> {
  await db
    .update(runSteps)
    .set({ status, detail, costUsd, finishedAt: new Date() })
    .where(and(eq(runSteps.runId, runId), eq(runSteps.name, name)));
}

export function listSteps(db: Db, runId: string): Promise<StepRow[]> {
  return db
    .select()
    .from(runSteps)
    .where(eq(runSteps.runId, runId))
    .orderBy(asc(runSteps.startedAt), asc(runSteps.id));
}

/** The run is under way (first time only: a replay keeps the first start time). */
export async function markRunning(db: Db, runId: string): Promise<void> {
  const [row] = await db.select({ startedAt: runs.startedAt }).from(runs).where(eq(runs.id, runId));
  await db
    .update(runs)
    .set({ status: "running", startedAt: row?.startedAt ?? new Date() })
    .where(eq(runs.id, runId));
}

export async function markFinished(
  db: Db,
  runId: string,
  status: "succeeded" | "failed" | "cancelled",
  error: string | null = null,
): Promise<void> {
  await db.update(runs).set({ status, error, finishedAt: new Date() }).where(eq(runs.id, runId));
}

/** The run waits for its user (a decision, a secret), or goes on after the wait. */
export async function markWaiting(db: Db, runId: string, waiting: boolean): Promise<void> {
  await db
    .update(runs)
    .set({ status: waiting ? "waiting" : "running" })
    // Never revives a run that was cancelled meanwhile.
    .where(and(eq(runs.id, runId), inArray(runs.status, ["running", "waiting"])));
}

/** The executor jobs of the run's steps that are still running. */
export async function runningStepJobs(db: Db, runId: string): Promise<string[]> {
  const open = await db
    .select({ jobId: runSteps.jobId })
    .from(runSteps)
    .where(and(eq(runSteps.runId, runId), eq(runSteps.status, "running"), isNotNull(runSteps.jobId)));
  return open.flatMap(({ jobId }) => (jobId ? [jobId] : []));
}

/** A stopped run's running steps end `failed`, their jobs cancelled. */
export async function failRunningSteps(db: Db, runId: string): Promise<void> {
  await db
    .update(runSteps)
    .set({ status: "failed", detail: { jobStatus: "cancelled" }, finishedAt: new Date() })
    .where(and(eq(runSteps.runId, runId), eq(runSteps.status, "running")));
}

/** The run's newest step still running whose name starts with `prefix` (an open question): its name and detail. */
export async function openStepNamed(
  db: Db,
  runId: string,
  prefix: string,
): Promise<Pick<StepRow, "name" | "detail"> | undefined> {
  const [open] = await db
    .select({ name: runSteps.name, detail: runSteps.detail })
    .from(runSteps)
    .where(and(eq(runSteps.runId, runId), eq(runSteps.status, "running"), like(runSteps.name, `${prefix}%`)))
    .orderBy(desc(runSteps.startedAt))
    .limit(1);
  return open;
}

/**
 * The job kinds whose logs a member may read, for the runs of their own projects: what their
 * project's code and their agent did. The others (git, copier, ansible, exec) carry the
 * infrastructure's details and git's own words about remotes, and stay the admins'
 * (docs/security.md).
 */
export const MEMBER_LOG_KINDS: readonly JobKind[] = ["agent", "test"];

/**
 * Whether the actor may read this executor job's log: admins any job's; a member the `agent` and
 * `test` jobs of runs they may see. Jobs no run step ran are admins' only.
 */
export async function jobLogVisible(
  db: Db,
  actor: Actor,
  job: { id: string; kind: JobKind },
): Promise<boolean> {
  if (isAdminActor(actor)) return true;
  if (!MEMBER_LOG_KINDS.includes(job.kind)) return false;
  const [step] = await db
    .select({ projectId: runs.projectId })
    .from(runSteps)
    .innerJoin(runs, eq(runs.id, runSteps.runId))
    .where(eq(runSteps.jobId, job.id))
    .limit(1);
  return step !== undefined && (await projectVisible(db, actor, step.projectId));
}

/** How many of the run's steps are named with this prefix (its questions of one kind, say). */
export async function countSteps(db: Db, runId: string, prefix: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(runSteps)
    .where(and(eq(runSteps.runId, runId), like(runSteps.name, `${prefix}%`)));
  return row?.n ?? 0;
}
