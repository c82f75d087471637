/**
 * What a deleted project left outside D1, read from what D1 recorded (the project row is already
 * soft-deleted): the servers it was deployed to (a deployment of any status: a failed or
 * interrupted deploy may have left its service there too) and its repository, when the GitHub App
 * hosts it as the project's own. And, once its service is gone from a server, its ports there
 * given back.
 *
 *   const deletion = await removeProject(env, db, actor, project); // queues the undeploy if needed
 */
import { DEFAULT_POOL } from "@codegen-orchestrator/shared";
import { and, asc, eq, inArray, notInArray } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { deployments, portAllocations, projects, servers } from "../../db/schema.ts";
import type { Actor } from "../../domain/actor.ts";
import { auditedBy } from "../../domain/audit.ts";
import { type Deletion, deleteProject } from "../../domain/project-deletion.ts";
import type { ProjectRow } from "../../domain/projects.ts";
import type { Env } from "../../env.ts";
import { ownGitHubRepository } from "../steps/repository.ts";
import type { Placement, ServerAccess } from "./deploy.ts";

export interface UndeployServer extends ServerAccess {
  id: string;
  name: string;
  deployRoot: string;
  serviceManager: Placement["serviceManager"];
}

export interface UndeployPlan {
  name: string;
  /** What the project is named by on its servers and its repository host. */
  resourceName: string;
  /** The executor pool its jobs run in. */
  pool: string;
  servers: UndeployServer[];
  /** The GitHub App's name of its repository, to archive; null when the App does not host it. */
  repository: string | null;
}

/** The project's leftovers; null when there is no such project at all. */
export async function undeployPlan(env: Env, db: Db, projectId: string): Promise<UndeployPlan | null> {
  const [project] = await db
    .select({
      name: projects.name,
      resourceName: projects.resourceName,
      repoUrl: projects.repoUrl,
      pool: projects.pool,
    })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!project) return null;
  const deployedTo = await db
    .selectDistinct({
      id: servers.id,
      name: servers.name,
      host: servers.host,
      sshPort: servers.sshPort,
      sshUser: servers.sshUser,
      knownHosts: servers.knownHosts,
      deployRoot: servers.deployRoot,
      serviceManager: servers.serviceManager,
    })
    .from(deployments)
    .innerJoin(servers, eq(servers.id, deployments.serverId))
    .where(eq(deployments.projectId, projectId))
    .orderBy(asc(servers.name));
  const { repoUrl, resourceName } = project;
  return {
    name: project.name,
    resourceName,
    pool: project.pool || DEFAULT_POOL,
    servers: deployedTo,
    repository: repoUrl ? ownGitHubRepository(env, { url: repoUrl, resourceName }) : null,
  };
}

/** Whether there is anything for an undeploy run to do. */
export const leftSomething = (plan: UndeployPlan) => plan.servers.length > 0 || plan.repository !== null;

/**
 * Deletes the project (`deleteProject`), queueing an undeploy run when it left something outside
 * D1. `chatId`: the chat that asked, which gets the undeploy's progress.
 */
export async function removeProject(
  env: Env,
  db: Db,
  actor: Actor,
  project: ProjectRow,
  chatId: number | null = null,
): Promise<Deletion> {
  const plan = await undeployPlan(env, db, project.id);
  return deleteProject(db, actor, project, { undeploy: plan !== null && leftSomething(plan), chatId });
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
