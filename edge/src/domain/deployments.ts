/** Deployments in D1: one row per deploy attempt, the project's status, incidents, and what a run cost. */
import { and, eq, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { costs, deployments, incidents, projects } from "../db/schema.ts";
import { newId } from "../ids.ts";

export interface Deployment {
  id: string;
  projectId: string;
  /** The deployment it replaces (what a rollback restores), if the project was deployed before. */
  previousId: string | null;
  /** That deployment's commit and server: a rollback restores that commit's release there. */
  previousCommit?: string | null;
  previousServerId?: string | null;
}

export async function startDeployment(
  db: Db,
  input: { projectId: string; runId: string; serverId: string; commit: string; url: string },
): Promise<Deployment> {
  const [previous] = await db
    .select({ id: deployments.id, commit: deployments.commitSha, serverId: deployments.serverId })
    .from(deployments)
    .where(and(eq(deployments.projectId, input.projectId), eq(deployments.status, "deployed")))
    .orderBy(sql`${deployments.createdAt} DESC`)
    .limit(1);
  const id = newId();
  const now = new Date();
  await db.batch([
    db.insert(deployments).values({
      id,
      projectId: input.projectId,
      runId: input.runId,
      serverId: input.serverId,
      commitSha: input.commit,
      url: input.url,
      status: "deploying",
      createdAt: now,
    }),
    db.update(projects).set({ status: "deploying", updatedAt: now }).where(eq(projects.id, input.projectId)),
  ]);
  return {
    id,
    projectId: input.projectId,
    previousId: previous?.id ?? null,
    previousCommit: previous?.commit ?? null,
    previousServerId: previous?.serverId ?? null,
  };
}

/** Deployed: the one before is superseded. Failed: an incident, and the project keeps its last good release. */
export async function finishDeployment(
  db: Db,
  deployment: Deployment,
  status: "deployed" | "failed",
  incident?: { kind: string; message: string },
): Promise<void> {
  const now = new Date();
  const writes = [
    db.update(deployments).set({ status, finishedAt: now }).where(eq(deployments.id, deployment.id)),
    db
      .update(projects)
      .set({ status: status === "deployed" || deployment.previousId ? "deployed" : "failed", updatedAt: now })
      .where(eq(projects.id, deployment.projectId)),
  ];
  if (status === "deployed")
    writes.push(
      db
        .update(deployments)
        .set({ status: "superseded" })
        .where(
          and(
            eq(deployments.projectId, deployment.projectId),
            eq(deployments.status, "deployed"),
            ne(deployments.id, deployment.id),
          ),
        ),
    );
  const [first, ...rest] = writes;
  if (!first) return;
  if (incident)
    await db.batch([
      first,
      ...rest,
      db.insert(incidents).values({
        id: newId(),
        projectId: deployment.projectId,
        deploymentId: deployment.id,
        kind: incident.kind,
        severity: "critical",
        message: incident.message.slice(0, 2000),
        openedAt: now,
      }),
    ]);
  else await db.batch([first, ...rest]);
}

/** What this run's model calls and agents cost, and the project's total. */
export async function runCost(
  db: Db,
  projectId: string,
  runId: string,
): Promise<{ run: number; project: number }> {
  const [row] = await db
    .select({
      run: sql<number>`COALESCE(SUM(CASE WHEN ${costs.runId} = ${runId} THEN ${costs.amountUsd} END), 0)`,
      project: sql<number>`COALESCE(SUM(${costs.amountUsd}), 0)`,
    })
    .from(costs)
    .where(eq(costs.projectId, projectId));
  return { run: row?.run ?? 0, project: row?.project ?? 0 };
}
