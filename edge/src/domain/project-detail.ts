/**
 * One project as its page shows it: the project (the actor's own, or any for admins; 404
 * otherwise, as in the API), its deployments with their servers, its service's health (the
 * monitor's last days, its incidents), its latest runs with what each cost, and its secrets' names.
 */
import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { costs, runs } from "../db/schema.ts";
import type { Actor } from "./actor.ts";
import { type DeploymentLine, deploymentLines } from "./deployments.ts";
import { type IncidentRow, projectIncidents } from "./incidents.ts";
import { recentDays } from "./monitor-days.ts";
import { costTotals } from "./project-overviews.ts";
import { findProject, type ProjectRow } from "./projects.ts";
import type { RunRow } from "./runs.ts";
import { listSecrets, type SecretMeta } from "./secrets.ts";

export interface ProjectDetail {
  project: ProjectRow;
  deployments: DeploymentLine[];
  days: Awaited<ReturnType<typeof recentDays>>;
  incidents: IncidentRow[];
  runs: { run: RunRow; costUsd: number }[];
  secrets: SecretMeta[];
}

const SHOWN = 20;

export async function projectDetail(db: Db, actor: Actor, projectId: string): Promise<ProjectDetail> {
  const project = await findProject(db, actor, projectId);
  const [deployed, latestRuns, secrets, days, incidents] = await Promise.all([
    deploymentLines(db, project.id, SHOWN),
    db.select().from(runs).where(eq(runs.projectId, project.id)).orderBy(desc(runs.id)).limit(SHOWN),
    listSecrets(db, actor, project.id),
    recentDays(db, project.id, 7),
    projectIncidents(db, project.id, 10),
  ]);
  const spent = await costTotals(
    db,
    costs.runId,
    latestRuns.map((run) => run.id),
  );
  return {
    project,
    deployments: deployed,
    days,
    incidents,
    runs: latestRuns.map((run) => ({ run, costUsd: spent.get(run.id) ?? 0 })),
    secrets,
  };
}
