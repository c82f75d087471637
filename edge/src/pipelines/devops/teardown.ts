/**
 * What a deleted project left outside D1, read from what D1 recorded (the project row is already
 * soft-deleted): the servers it was deployed to (a deployment of any status: a failed or
 * interrupted deploy may have left its service there too) and its repository, when the GitHub App
 * hosts it as the project's own. And, once its service is gone from a server, its ports there
 * given back (domain/deployments.ts).
 *
 *   const deletion = await removeProject(env, db, actor, project); // queues the undeploy if needed
 */
import { DEFAULT_POOL } from "@codegen-orchestrator/shared";
import type { Db } from "../../db/client.ts";
import type { Actor } from "../../domain/actor.ts";
import { heldBots } from "../../domain/bot-pool.ts";
import { type DeployedServer, serversDeployedTo } from "../../domain/deployments.ts";
import { projectToRemove } from "../../domain/pipeline-projects.ts";
import { previewsOf } from "../../domain/previews.ts";
import { type Deletion, deleteProject } from "../../domain/project-deletion.ts";
import type { ProjectRow } from "../../domain/projects.ts";
import type { Env } from "../../env.ts";
import { unwatchProject } from "../../monitors/watch.ts";
import { ownGitHubRepository } from "../steps/repository.ts";
import { returnBots } from "./pool-bots.ts";

export interface UndeployPlan {
  name: string;
  /** What the project is named by on its servers and its repository host. */
  resourceName: string;
  /** The executor pool its jobs run in. */
  pool: string;
  servers: DeployedServer[];
  /** The GitHub App's name of its repository, to archive; null when the App does not host it. */
  repository: string | null;
  /** How many pooled bots it holds (absent in plans made before the pool: none). */
  bots?: number;
  /** Its branches' previews, each on its server (absent in plans made before previews: none). */
  previews?: { resourceName: string; serverId: string }[];
}

/** The project's leftovers; null when there is no such project at all. */
export async function undeployPlan(env: Env, db: Db, projectId: string): Promise<UndeployPlan | null> {
  const project = await projectToRemove(db, projectId);
  if (!project) return null;
  const { repoUrl, resourceName } = project;
  return {
    name: project.name,
    resourceName,
    pool: project.pool || DEFAULT_POOL,
    servers: await serversDeployedTo(db, projectId),
    repository: repoUrl ? ownGitHubRepository(env, { url: repoUrl, resourceName }) : null,
    bots: await heldBots(db, projectId),
    previews: await previewsOf(db, projectId),
  };
}

/** Whether there is anything for an undeploy run to do. */
export const leftSomething = (plan: UndeployPlan) => plan.servers.length > 0 || plan.repository !== null;

/**
 * Deletes the project (`deleteProject`), queueing an undeploy run when it left something outside
 * D1, and giving its pooled bots back at once when it did not. `chatId`: the chat that asked,
 * which gets the undeploy's progress.
 */
export async function removeProject(
  env: Env,
  db: Db,
  actor: Actor,
  project: ProjectRow,
  chatId: number | null = null,
): Promise<Deletion> {
  const plan = await undeployPlan(env, db, project.id);
  const deletion = await deleteProject(db, actor, project, {
    undeploy: plan !== null && leftSomething(plan),
    chatId,
  });
  // Its service is on its way out: nothing is checked or recovered any more.
  await unwatchProject(env, project.id);
  // No service anywhere uses its bots: they go back now (else the undeploy returns them).
  if (!deletion.undeploy) {
    try {
      await returnBots(env, db, project.id);
    } catch (err) {
      // The project is deleted all the same; its bots stay held, for an admin to take out.
      console.error(
        JSON.stringify({ event: "bot.return_failed", projectId: project.id, error: String(err) }),
      );
    }
  }
  return deletion;
}
