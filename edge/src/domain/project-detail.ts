/**
 * One project as its page shows it: the project (the actor's own, or any for admins; 404
 * otherwise, as in the API), its deployments with their servers, its latest runs with what each
 * cost, and its secrets' names.
 */
import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { costs, deployments, runs, servers } from "../db/schema.ts";
import type { Actor } from "./actor.ts";
import { costTotals } from "./project-overviews.ts";
import { findProject, type ProjectRow } from "./projects.ts";
import type { RunRow } from "./runs.ts";
import { listSecrets, type SecretMeta } from "./secrets.ts";

export interface DeploymentLine {
  id: string;
  status: string;
  url: string | null;
  commitSha: string | null;
  serverName: string | null;
  createdAt: Date;
}

export interface ProjectDetail {
  project: ProjectRow;
  deployments: DeploymentLine[];
  runs: { run: RunRow; costUsd: number }[];
  secrets: SecretMeta[];
}

const SHOWN = 20;

export async function projectDetail(db: Db, actor: Actor, projectId: string): Promise<ProjectDetail> {
  const project = await findProject(db, actor, projectId);
  const [deployed, latestRuns, secrets] = await Promise.all([
    db
      .select({
        id: deployments.id,
        status: deployments.status,
        url: deployments.url,
        commitSha: deployments.commitSha,
        serverName: servers.name,
        createdAt: deployments.createdAt,
      })
      .from(deployments)
      .leftJoin(servers, eq(servers.id, deployments.serverId))
      .where(eq(deployments.projectId, project.id))
      .orderBy(desc(deployments.id))
      .limit(SHOWN),
    db.select().from(runs).where(eq(runs.projectId, project.id)).orderBy(desc(runs.id)).limit(SHOWN),
    listSecrets(db, actor, project.id),
  ]);
  const spent = await costTotals(
    db,
    costs.runId,
    latestRuns.map((run) => run.id),
  );
  return {
    project,
    deployments: deployed,
    runs: latestRuns.map((run) => ({ run, costUsd: spent.get(run.id) ?? 0 })),
    secrets,
  };
}
