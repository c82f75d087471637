/**
 * Deleting a project, as the API and the chat do it. In one write the row is soft-deleted (its
 * slug frees, nothing new can start: `findProject` refuses it), its secrets are erased, its pooled
 * bots are held to be given back, and either its ports are released (it left nothing outside D1)
 * or an `undeploy` run is queued to remove what it left (its service on a server, the GitHub
 * App's repository), which releases the ports and gives the bots back once the service is gone. Then its active runs are cancelled, as `POST /runs/{id}/cancel` would.
 * The caller stops the cancelled runs' workflows and jobs and launches the undeploy
 * (`settleDeletion`, or the chat's `runChanged`).
 *
 *   const deletion = await deleteProject(db, actor, project, { undeploy: true });
 */
import { ACTIVE_RUN_STATUSES } from "@codegen-orchestrator/shared";
import { and, eq, inArray, ne } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { portAllocations, projects, runs, secrets } from "../db/schema.ts";
import { newId } from "../ids.ts";
import type { Actor } from "./actor.ts";
import { auditedBy, auditInsert } from "./audit.ts";
import { holdProjectBots } from "./bot-pool.ts";
import { ApiError } from "./errors.ts";
import type { ProjectRow } from "./projects.ts";
import { cancelRun, type RunRow } from "./runs.ts";

export interface Deletion {
  /** The runs that were in progress, now cancelled: their workflows and jobs are still to stop. */
  cancelled: RunRow[];
  /** The queued undeploy run, still to launch; null when the project left nothing outside D1. */
  undeploy: RunRow | null;
}

export interface DeleteOptions {
  /** Whether the project left something outside D1 for an undeploy run to remove. */
  undeploy: boolean;
  /** The chat that asked: it gets the undeploy's progress. */
  chatId?: number | null;
}

export async function deleteProject(
  db: Db,
  actor: Actor,
  project: ProjectRow,
  options: DeleteOptions,
): Promise<Deletion> {
  const now = new Date();
  const undeploy: RunRow | null = options.undeploy
    ? {
        id: newId(),
        projectId: project.id,
        kind: "undeploy",
        status: "queued",
        workflowInstanceId: null,
        budgetRaiseUsd: 0,
        chatId: options.chatId ?? null,
        brief: null,
        error: null,
        createdAt: now,
        startedAt: null,
        finishedAt: null,
      }
    : null;
  await auditedBy(
    db,
    actor.userId,
    {
      action: "project.delete",
      targetType: "project",
      targetId: project.id,
      details: { slug: project.slug, undeployRunId: undeploy?.id ?? null },
    },
    db
      .update(projects)
      // Its custom domain is free for another project (the undeploy removes its site by name).
      .set({ deletedAt: now, updatedAt: now, status: "archived", customDomain: null })
      .where(eq(projects.id, project.id)),
    db.delete(secrets).where(eq(secrets.projectId, project.id)),
    // Its pooled bots stay out of the pool until its service is gone (bot-pool.ts).
    holdProjectBots(db, project.id),
    // A service still running holds its ports until the undeploy has stopped it.
    ...(undeploy
      ? [
          db.insert(runs).values(undeploy),
          auditInsert(db, actor.userId, {
            action: "run.start",
            targetType: "run",
            targetId: undeploy.id,
            details: { projectId: project.id, kind: undeploy.kind },
          }),
        ]
      : [db.delete(portAllocations).where(eq(portAllocations.projectId, project.id))]),
  );
  const active = await db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.projectId, project.id),
        inArray(runs.status, [...ACTIVE_RUN_STATUSES]),
        undeploy ? ne(runs.id, undeploy.id) : undefined,
      ),
    );
  const cancelled: RunRow[] = [];
  for (const { id } of active) {
    try {
      cancelled.push(await cancelRun(db, actor, id));
    } catch (err) {
      // It ended meanwhile: nothing to cancel.
      if (!(err instanceof ApiError && err.status === 409)) throw err;
    }
  }
  return { cancelled, undeploy };
}
