/**
 * A run's link to its workflow instance in D1: recorded at launch, looked up to stop a run or to
 * tell the DevOps runs in progress that a secret came, and the run's status flips around an answer
 * (a decision, the template's answers) sent to its instance.
 */
import { ACTIVE_RUN_STATUSES, type RunKind } from "@codegen-orchestrator/shared";
import { and, desc, eq, gt, inArray, isNotNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { runs } from "../db/schema.ts";
import type { RunRow } from "./runs.ts";

/** The run's workflow instance has the run's id. */
export async function recordWorkflowInstance(db: Db, runId: string): Promise<void> {
  await db.update(runs).set({ workflowInstanceId: runId }).where(eq(runs.id, runId));
}

/** The chat a run reports to (null: none, or no such run). */
export async function runChatId(db: Db, runId: string): Promise<number | null> {
  const [run] = await db.select({ chatId: runs.chatId }).from(runs).where(eq(runs.id, runId));
  return run?.chatId ?? null;
}

/** The project's run of this kind that is queued, running or waiting, if there is one. */
export async function activeRunOf(db: Db, projectId: string, kind: RunKind): Promise<RunRow | undefined> {
  const [run] = await db
    .select()
    .from(runs)
    .where(
      and(eq(runs.projectId, projectId), eq(runs.kind, kind), inArray(runs.status, [...ACTIVE_RUN_STATUSES])),
    )
    .limit(1);
  return run;
}

/** The workflow instances of the project's runs of this kind that are running or waiting. */
export async function instancesInProgress(db: Db, projectId: string, kind: RunKind): Promise<string[]> {
  const rows = await db
    .select({ instanceId: runs.workflowInstanceId })
    .from(runs)
    .where(
      and(
        eq(runs.projectId, projectId),
        eq(runs.kind, kind),
        inArray(runs.status, ["running", "waiting"]),
        isNotNull(runs.workflowInstanceId),
      ),
    );
  return rows.flatMap(({ instanceId }) => (instanceId ? [instanceId] : []));
}

/** Takes a waiting run's answer: `waiting` → `running` in one conditional write; false if it was taken. */
export async function claimAnswer(db: Db, runId: string): Promise<boolean> {
  const accepted = await db
    .update(runs)
    .set({ status: "running" })
    .where(and(eq(runs.id, runId), eq(runs.status, "waiting")))
    .returning({ id: runs.id });
  return accepted.length > 0;
}

/** An answer that did not reach the workflow: the run waits again. */
export async function reopenAnswer(db: Db, runId: string): Promise<void> {
  await db
    .update(runs)
    .set({ status: "waiting" })
    .where(and(eq(runs.id, runId), eq(runs.status, "running")));
}

/** A run by its id, for the system's own use (a monitor following the fix run it started). */
export async function runById(db: Db, runId: string): Promise<RunRow | undefined> {
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  return run;
}

/** The project's newest DevOps run started after `runId` (the redeploy an engineering run started). */
export async function devopsRunAfter(db: Db, projectId: string, runId: string) {
  const [run] = await db
    .select({ id: runs.id, status: runs.status, error: runs.error })
    .from(runs)
    .where(and(eq(runs.projectId, projectId), eq(runs.kind, "devops"), gt(runs.id, runId)))
    .orderBy(desc(runs.id))
    .limit(1);
  return run;
}
