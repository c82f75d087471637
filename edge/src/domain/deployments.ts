/**
 * Deployments in D1: one row per deploy attempt, the project's status, incidents, what a run cost,
 * and the ports a project gives back when its service is gone or never came.
 */
import { and, asc, desc, eq, inArray, isNotNull, ne, notInArray, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { costs, deployments, incidents, portAllocations, projects, servers } from "../db/schema.ts";
import { newId } from "../ids.ts";
import { auditedBy } from "./audit.ts";
import type { Placement } from "./placements.ts";

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

/**
 * A cancelled deploy of a project that has nothing deployed gives its ports back; a deployed
 * project keeps them (its service still runs on them, and the next deploy reuses them). A deleted
 * project's ports are its deletion's or its undeploy run's to release, once its service is gone.
 */
export async function releaseUnusedPorts(db: Db, projectId: string): Promise<void> {
  const [project] = await db
    .select({ deletedAt: projects.deletedAt })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!project || project.deletedAt) return;
  const [live] = await db
    .select({ id: deployments.id })
    .from(deployments)
    .where(and(eq(deployments.projectId, projectId), eq(deployments.status, "deployed")))
    .limit(1);
  if (!live) await db.delete(portAllocations).where(eq(portAllocations.projectId, projectId));
}

/** One deployment as pages and the API list it. */
export interface DeploymentLine {
  id: string;
  status: string;
  url: string | null;
  commitSha: string | null;
  serverName: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** The project's latest deployments with their servers' names, newest first. */
export function deploymentLines(db: Db, projectId: string, limit: number): Promise<DeploymentLine[]> {
  return db
    .select({
      id: deployments.id,
      status: deployments.status,
      url: deployments.url,
      commitSha: deployments.commitSha,
      serverName: servers.name,
      createdAt: deployments.createdAt,
      finishedAt: deployments.finishedAt,
    })
    .from(deployments)
    .leftJoin(servers, eq(servers.id, deployments.serverId))
    .where(eq(deployments.projectId, projectId))
    .orderBy(desc(deployments.id))
    .limit(limit);
}

/** A server a project was deployed to, and how a job reaches it. */
export type DeployedServer = Pick<
  Placement,
  "host" | "sshPort" | "sshUser" | "knownHosts" | "deployRoot" | "serviceManager"
> & { id: string; name: string };

/** What a job needs of a server the project was deployed to (DeployedServer). */
const deployedServerColumns = {
  id: servers.id,
  name: servers.name,
  host: servers.host,
  sshPort: servers.sshPort,
  sshUser: servers.sshUser,
  knownHosts: servers.knownHosts,
  deployRoot: servers.deployRoot,
  serviceManager: servers.serviceManager,
};

/** One server as jobs reach it (a preview's teardown), or null when it is no longer registered. */
export async function deployedServer(db: Db, serverId: string): Promise<DeployedServer | null> {
  const [server] = await db.select(deployedServerColumns).from(servers).where(eq(servers.id, serverId));
  return server ?? null;
}

/** The servers the project was deployed to: by a deployment of any status (a failed or interrupted deploy may have left its service there too). */
export function serversDeployedTo(db: Db, projectId: string): Promise<DeployedServer[]> {
  return db
    .selectDistinct(deployedServerColumns)
    .from(deployments)
    .innerJoin(servers, eq(servers.id, deployments.serverId))
    .where(eq(deployments.projectId, projectId))
    .orderBy(asc(servers.name));
}

/** The server of the project's live deployment (the latest `deployed` one), or null when it has none. */
export async function liveDeploymentServer(db: Db, projectId: string): Promise<DeployedServer | null> {
  const [server] = await db
    .select(deployedServerColumns)
    .from(deployments)
    .innerJoin(servers, eq(servers.id, deployments.serverId))
    .where(and(eq(deployments.projectId, projectId), eq(deployments.status, "deployed")))
    .orderBy(desc(deployments.createdAt))
    .limit(1);
  return server ?? null;
}

/**
 * Gives back the project's ports, except on the servers where its service could not be removed (it
 * may still hold them there), and marks its deployments on the other servers `undeployed`.
 */
export async function releaseAfterUndeploy(
  db: Db,
  projectId: string,
  failedServerIds: string[],
): Promise<{ released: number[]; kept: number[] }> {
  const held = await db
    .select({ serverId: portAllocations.serverId, port: portAllocations.port })
    .from(portAllocations)
    .where(eq(portAllocations.projectId, projectId));
  const failed = new Set(failedServerIds);
  const released = held.filter((allocation) => !failed.has(allocation.serverId)).map((a) => a.port);
  const kept = held.filter((allocation) => failed.has(allocation.serverId)).map((a) => a.port);
  const cleaned = failedServerIds.length > 0 ? notInArray(deployments.serverId, failedServerIds) : undefined;
  await auditedBy(
    db,
    null,
    { action: "project.undeployed", targetType: "project", targetId: projectId, details: { released, kept } },
    db
      .delete(portAllocations)
      .where(
        and(
          eq(portAllocations.projectId, projectId),
          failedServerIds.length > 0 ? notInArray(portAllocations.serverId, failedServerIds) : undefined,
        ),
      ),
    db
      .update(deployments)
      .set({ status: "undeployed" })
      .where(
        and(
          eq(deployments.projectId, projectId),
          inArray(deployments.status, ["deployed", "deploying"]),
          cleaned,
        ),
      ),
  );
  return { released, kept };
}

/** The URL of the project's latest deployment that has one, or null (the chat's project card). */
export async function latestDeploymentUrl(db: Db, projectId: string): Promise<string | null> {
  const [deployment] = await db
    .select({ url: deployments.url })
    .from(deployments)
    .where(and(eq(deployments.projectId, projectId), isNotNull(deployments.url)))
    .orderBy(desc(deployments.id))
    .limit(1);
  return deployment?.url ?? null;
}

/**
 * The release a monitor rolls back to: the project's latest deployment on that server that was
 * live before (superseded), of another commit than the live one; null when there is none.
 */
export async function lastHealthyDeployment(
  db: Db,
  projectId: string,
  serverId: string,
  liveCommit: string,
): Promise<{ id: string; commit: string } | null> {
  const [row] = await db
    .select({ id: deployments.id, commit: deployments.commitSha })
    .from(deployments)
    .where(
      and(
        eq(deployments.projectId, projectId),
        eq(deployments.serverId, serverId),
        eq(deployments.status, "superseded"),
        ne(deployments.commitSha, liveCommit),
      ),
    )
    .orderBy(desc(deployments.createdAt))
    .limit(1);
  return row?.commit ? { id: row.id, commit: row.commit } : null;
}

/** After a rollback: the live deployment is `rolled_back`, the restored one live again. */
export async function switchLiveDeployment(db: Db, fromId: string, toId: string): Promise<void> {
  await db.batch([
    db.update(deployments).set({ status: "rolled_back" }).where(eq(deployments.id, fromId)),
    db.update(deployments).set({ status: "deployed" }).where(eq(deployments.id, toId)),
  ]);
}
