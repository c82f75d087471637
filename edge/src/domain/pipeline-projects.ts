/**
 * What the pipelines read and write of a project in D1: the project as each graph starts from it
 * (never a deleted one, for a run that slipped past the deletion), its owner, and what a run
 * records on it (the spec, the repository).
 */
import type { ProjectSpec } from "@codegen-orchestrator/shared";
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projects, users } from "../db/schema.ts";
import type { Actor } from "./actor.ts";

/** What the engineering graph builds from. */
export interface ProjectToBuild {
  slug: string;
  resourceName: string;
  name: string;
  description: string;
  repoUrl: string | null;
  pool: string;
  /** The Architect's spec, once a run made one (a fix run keeps it). */
  spec: ProjectSpec | null;
}

export async function projectToBuild(db: Db, projectId: string): Promise<ProjectToBuild | null> {
  const [row] = await db
    .select({
      slug: projects.slug,
      resourceName: projects.resourceName,
      name: projects.name,
      description: projects.description,
      repoUrl: projects.repoUrl,
      pool: projects.pool,
      spec: projects.spec,
    })
    .from(projects)
    .where(and(eq(projects.id, projectId), isNull(projects.deletedAt)));
  return row ? { ...row, spec: row.spec ?? null } : null;
}

/** What the DevOps graph deploys, and who it acts as (the owner: their quotas, their secrets). */
export interface ProjectToDeploy {
  slug: string;
  pool: string;
  resourceName: string;
  name: string;
  repoUrl: string | null;
  ownerId: string;
  ownerRole: Actor["role"];
  /** How often its monitor checks the live service (absent in runs started before monitors). */
  monitorIntervalS?: number;
}

export async function projectToDeploy(db: Db, projectId: string): Promise<ProjectToDeploy | null> {
  const [row] = await db
    .select({
      slug: projects.slug,
      resourceName: projects.resourceName,
      name: projects.name,
      repoUrl: projects.repoUrl,
      pool: projects.pool,
      ownerId: projects.ownerId,
      ownerRole: users.role,
      monitorIntervalS: projects.monitorIntervalS,
    })
    .from(projects)
    .innerJoin(users, eq(users.id, projects.ownerId))
    .where(and(eq(projects.id, projectId), isNull(projects.deletedAt)));
  return row ?? null;
}

/** The project's owner (deleted projects too), or undefined when there is no such project. */
export async function projectOwner(
  db: Db,
  projectId: string,
): Promise<{ id: string; role: Actor["role"]; telegramId: number | null } | undefined> {
  const [owner] = await db
    .select({ id: users.id, role: users.role, telegramId: users.telegramId })
    .from(projects)
    .innerJoin(users, eq(users.id, projects.ownerId))
    .where(eq(projects.id, projectId));
  return owner;
}

/** The update that stores the Architect's spec on the project (for a `db.batch` with its cost). */
export const specUpdate = (db: Db, projectId: string, spec: ProjectSpec) =>
  db
    .update(projects)
    .set({ spec, modules: spec.modules, updatedAt: new Date() })
    .where(eq(projects.id, projectId));

/**
 * The project's repository, once the Preparer pushed its first commit, and the template (catalog
 * id and version) that commit was rendered from.
 */
export async function recordRepository(
  db: Db,
  projectId: string,
  url: string,
  template?: { id: string; version: string | null },
): Promise<void> {
  const scaffolded = template ? { templateId: template.id, templateVersion: template.version } : {};
  await db
    .update(projects)
    .set({ repoUrl: url, ...scaffolded, updatedAt: new Date() })
    .where(eq(projects.id, projectId));
}

/** What an undeploy works from: the project as recorded, deleted or not; null when there is no such project. */
export async function projectToRemove(
  db: Db,
  projectId: string,
): Promise<{ name: string; resourceName: string; repoUrl: string | null; pool: string } | null> {
  const [project] = await db
    .select({
      name: projects.name,
      resourceName: projects.resourceName,
      repoUrl: projects.repoUrl,
      pool: projects.pool,
    })
    .from(projects)
    .where(eq(projects.id, projectId));
  return project ?? null;
}

/** What a service monitor needs of its project when it decides: its name, recovery policy, owner's chat. */
export async function monitoredProject(db: Db, projectId: string) {
  const [row] = await db
    .select({ name: projects.name, policy: projects.recoveryPolicy, telegramId: users.telegramId })
    .from(projects)
    .innerJoin(users, eq(users.id, projects.ownerId))
    .where(eq(projects.id, projectId));
  return row ?? null;
}

/** The live projects that name a repository (the repositories' reconciliation with GitHub). */
export function liveProjectRepositories(db: Db): Promise<{ slug: string; repoUrl: string | null }[]> {
  return db
    .select({ slug: projects.slug, repoUrl: projects.repoUrl })
    .from(projects)
    .where(and(isNull(projects.deletedAt), isNotNull(projects.repoUrl)));
}
