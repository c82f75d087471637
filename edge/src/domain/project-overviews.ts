/**
 * Projects as a list shows them: each live project the actor may see (their own; admins, all),
 * with its latest URL, its last run and what it has cost, filtered by status and by a search in
 * its name and slug. Four queries for a page, whatever its length.
 */
import type { ProjectStatus } from "@codegen-orchestrator/shared";
import { and, desc, eq, inArray, isNotNull, isNull, or, type SQL, sql, sum } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { z } from "zod";
import type { Db } from "../db/client.ts";
import { costs, deployments, projects, runs } from "../db/schema.ts";
import { type Actor, isAdminActor } from "./actor.ts";
import type { ProjectRow } from "./projects.ts";
import type { RunRow } from "./runs.ts";

export interface ProjectOverview {
  project: ProjectRow;
  /** The latest deployment's URL, if one has been deployed. */
  url: string | null;
  lastRun: Pick<RunRow, "id" | "kind" | "status" | "createdAt"> | null;
  costUsd: number;
}

export interface OverviewQuery {
  status?: z.infer<typeof ProjectStatus> | undefined;
  /** Words to find in the name or the slug (case-insensitive). */
  search?: string | undefined;
  limit: number;
}

/**
 * Whether the column contains the text, ignoring ASCII case (SQLite's LIKE); `%` and `_` in the
 * text are the characters themselves, not wildcards.
 */
const contains = (column: SQLiteColumn, text: string) =>
  sql`${column} LIKE ${`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} ESCAPE '\\'`;

export async function projectOverviews(
  db: Db,
  actor: Actor,
  query: OverviewQuery,
): Promise<ProjectOverview[]> {
  const search = query.search?.trim();
  const where: (SQL | undefined)[] = [
    isNull(projects.deletedAt),
    isAdminActor(actor) ? undefined : eq(projects.ownerId, actor.userId),
    query.status ? eq(projects.status, query.status) : undefined,
    search ? or(contains(projects.name, search), contains(projects.slug, search)) : undefined,
  ];
  const rows = await db
    .select()
    .from(projects)
    .where(and(...where))
    .orderBy(desc(projects.updatedAt))
    .limit(query.limit);
  const ids = rows.map((row) => row.id);
  if (ids.length === 0) return [];
  const [urls, lastRuns, totals] = await Promise.all([
    latestUrls(db, ids),
    lastRunsOf(db, ids),
    costsOf(db, ids),
  ]);
  return rows.map((project) => ({
    project,
    url: urls.get(project.id) ?? null,
    lastRun: lastRuns.get(project.id) ?? null,
    costUsd: totals.get(project.id) ?? 0,
  }));
}

/** Each project's newest deployment that has a URL (ids are ULIDs: the greatest is the newest). */
async function latestUrls(db: Db, ids: string[]): Promise<Map<string, string>> {
  const rows = await db
    .select({ projectId: deployments.projectId, url: deployments.url })
    .from(deployments)
    .where(and(inArray(deployments.projectId, ids), isNotNull(deployments.url)))
    .orderBy(desc(deployments.id));
  const urls = new Map<string, string>();
  for (const row of rows) if (row.url && !urls.has(row.projectId)) urls.set(row.projectId, row.url);
  return urls;
}

async function lastRunsOf(db: Db, ids: string[]): Promise<Map<string, ProjectOverview["lastRun"]>> {
  const rows = await db
    .select({
      id: runs.id,
      projectId: runs.projectId,
      kind: runs.kind,
      status: runs.status,
      createdAt: runs.createdAt,
    })
    .from(runs)
    .where(inArray(runs.projectId, ids))
    .orderBy(desc(runs.id));
  const last = new Map<string, ProjectOverview["lastRun"]>();
  for (const { projectId, ...run } of rows) if (!last.has(projectId)) last.set(projectId, run);
  return last;
}

function costsOf(db: Db, ids: string[]): Promise<Map<string, number>> {
  return costTotals(db, costs.projectId, ids);
}

/** What was spent per project or per run (`by`), for these ids. */
export async function costTotals(
  db: Db,
  by: typeof costs.projectId | typeof costs.runId,
  ids: string[],
): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ key: by, total: sum(costs.amountUsd) })
    .from(costs)
    .where(inArray(by, ids))
    .groupBy(by);
  return new Map(rows.flatMap((row) => (row.key ? [[row.key, Number(row.total ?? 0)]] : [])));
}
