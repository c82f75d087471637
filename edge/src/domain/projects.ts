/**
 * Projects as operations on D1, shared by the HTTP API and the chat's Product-Owner agent, so both
 * reach the same checks, rows and audit entries.
 *
 *   const project = await createProject(db, actor, { name: "Shop API", modules: [] });
 */
import {
  type CreateProject,
  DEFAULT_MONITOR_INTERVAL_S,
  DEFAULT_POOL,
  DEFAULT_RECOVERY_POLICY,
  type Project,
  type ProjectStatus,
  type UpdateProject,
} from "@codegen-orchestrator/shared";
import { and, asc, eq, gt, isNull, type SQL } from "drizzle-orm";
import type { z } from "zod";
import type { Db } from "../db/client.ts";
import { projects, users } from "../db/schema.ts";
import { iso, newId } from "../ids.ts";
import { type Actor, isAdminActor } from "./actor.ts";
import { auditedBy } from "./audit.ts";
import { conflict, forbidden, notFound } from "./errors.ts";
import { assertRepoUrlAllowed, type RepoUrlPolicy } from "./repo-urls.ts";
import { resourceNameFor } from "./resource-names.ts";
import { assertTemplateUsable } from "./templates.ts";

export type ProjectRow = typeof projects.$inferSelect;
export type CreateProjectInput = z.input<typeof CreateProject>;

export const toProject = (row: ProjectRow): Project => ({
  id: row.id,
  ownerId: row.ownerId,
  slug: row.slug,
  resourceName: row.resourceName,
  name: row.name,
  description: row.description,
  templateSource: row.templateSource,
  templateRef: row.templateRef,
  templateId: row.templateId,
  templateVersion: row.templateVersion,
  modules: row.modules,
  pool: row.pool,
  repoUrl: row.repoUrl,
  spec: row.spec,
  status: row.status as Project["status"],
  monitorIntervalS: row.monitorIntervalS,
  recoveryPolicy: row.recoveryPolicy,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

/** "My Shop API!" → "my-shop-api". */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
  return slug || "project";
}

/**
 * The live project with this id, if the actor may act on it. Another member's project is
 * "not found", exactly like a missing one, so ids reveal nothing.
 */
export async function findProject(db: Db, actor: Actor, id: string): Promise<ProjectRow> {
  const row = await findProjectHistory(db, actor, id);
  if (row.deletedAt) throw notFound("project");
  return row;
}

/**
 * The project with this id, deleted or not, if the actor is its owner or an admin: for what
 * outlives a deleted project (its runs, its undeploy, ports still held). Nothing else may act on
 * a deleted project (`findProject`).
 */
export async function findProjectHistory(db: Db, actor: Actor, id: string): Promise<ProjectRow> {
  const [row] = await db.select().from(projects).where(eq(projects.id, id)).limit(1);
  if (!row || (row.ownerId !== actor.userId && !isAdminActor(actor))) throw notFound("project");
  return row;
}

/** The actor's own live project with this slug, or null. */
export async function findOwnProjectBySlug(db: Db, actor: Actor, slug: string): Promise<ProjectRow | null> {
  const [row] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.ownerId, actor.userId), eq(projects.slug, slug), isNull(projects.deletedAt)))
    .limit(1);
  return row ?? null;
}

export async function assertSlugFree(db: Db, ownerId: string, slug: string, self?: string) {
  const [other] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.ownerId, ownerId), eq(projects.slug, slug), isNull(projects.deletedAt)));
  if (other && other.id !== self) {
    throw conflict(`The owner already has a project with slug \`${slug}\`.`, {
      field: "slug",
      projectId: other.id,
    });
  }
}

export interface ProjectQuery {
  ownerId?: string | undefined;
  status?: z.infer<typeof ProjectStatus> | undefined;
  /** Rows after this id, in id order. */
  after?: string | undefined;
  limit: number;
}

/** Live projects: the actor's own, or (admins) everyone's or one owner's. */
export async function listProjects(db: Db, actor: Actor, query: ProjectQuery): Promise<ProjectRow[]> {
  if (query.ownerId && query.ownerId !== actor.userId && !isAdminActor(actor))
    throw forbidden("Only admins may list other users' projects.");
  const owner = isAdminActor(actor) ? query.ownerId : actor.userId;
  const where: (SQL | undefined)[] = [
    isNull(projects.deletedAt),
    owner ? eq(projects.ownerId, owner) : undefined,
    query.status ? eq(projects.status, query.status) : undefined,
    query.after ? gt(projects.id, query.after) : undefined,
  ];
  return db
    .select()
    .from(projects)
    .where(and(...where))
    .orderBy(asc(projects.id))
    .limit(query.limit);
}

/** Creates a project; a repository URL it names must be one `repoUrls` allows. */
export async function createProject(
  db: Db,
  actor: Actor,
  input: z.output<typeof CreateProject>,
  repoUrls: RepoUrlPolicy,
): Promise<ProjectRow> {
  if (input.ownerId && input.ownerId !== actor.userId && !isAdminActor(actor)) {
    throw forbidden("Only admins may create projects for other users.");
  }
  const ownerId = input.ownerId ?? actor.userId;
  if (ownerId !== actor.userId) {
    const [owner] = await db.select({ id: users.id }).from(users).where(eq(users.id, ownerId));
    if (!owner) throw notFound("user");
  }
  const slug = input.slug ?? slugify(input.name);
  await assertSlugFree(db, ownerId, slug);
  if (input.repoUrl) await assertRepoUrlAllowed(db, repoUrls, input.repoUrl);
  if (input.templateId) await assertTemplateUsable(db, input.templateId);
  const now = new Date();
  const id = newId();
  const row: ProjectRow = {
    id,
    ownerId,
    slug,
    resourceName: await resourceNameFor(db, slug, id),
    name: input.name,
    monthlyBudgetUsd: null,
    customDomain: null,
    description: input.description,
    templateSource: input.templateSource ?? null,
    templateRef: input.templateRef ?? null,
    templateId: input.templateId ?? null,
    templateVersion: null,
    modules: input.modules,
    pool: DEFAULT_POOL,
    repoUrl: input.repoUrl ?? null,
    spec: null,
    status: "draft",
    monitorIntervalS: DEFAULT_MONITOR_INTERVAL_S,
    recoveryPolicy: DEFAULT_RECOVERY_POLICY,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  await auditedBy(
    db,
    actor.userId,
    { action: "project.create", targetType: "project", targetId: row.id, details: { ownerId, slug } },
    db.insert(projects).values(row),
  );
  return row;
}

/** Changes a project; its status and executor pool only admins set. */
export async function updateProject(
  db: Db,
  actor: Actor,
  id: string,
  changes: z.output<typeof UpdateProject>,
  repoUrls: RepoUrlPolicy,
): Promise<ProjectRow> {
  const current = await findProject(db, actor, id);
  if (changes.status !== undefined && !isAdminActor(actor))
    throw forbidden("Only admins may set a project's status.");
  if (changes.pool !== undefined && !isAdminActor(actor))
    throw forbidden("Only admins may choose a project's executor pool.");
  if (changes.slug !== undefined) await assertSlugFree(db, current.ownerId, changes.slug, current.id);
  if (changes.repoUrl) await assertRepoUrlAllowed(db, repoUrls, changes.repoUrl, current.id);
  if (changes.templateId) await assertTemplateUsable(db, changes.templateId);
  const row: ProjectRow = { ...current, ...changes, updatedAt: new Date() };
  await auditedBy(
    db,
    actor.userId,
    {
      action: "project.update",
      targetType: "project",
      targetId: row.id,
      details: { fields: Object.keys(changes) },
    },
    db.update(projects).set(row).where(eq(projects.id, row.id)),
  );
  return row;
}
