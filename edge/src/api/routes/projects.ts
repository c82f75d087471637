/** `/projects`: a member's services, from description to deployment. Soft-deleted on DELETE. */

import {
  CreateProject,
  PageQuery,
  Project,
  ProjectStatus,
  pageOf,
  Ulid,
  UpdateProject,
} from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { and, asc, eq, isNull } from "drizzle-orm";
import { portAllocations, projects, secrets, users } from "../../db/schema.ts";
import { iso, newId } from "../../ids.ts";
import { type ProjectRow, projectFor } from "../access.ts";
import { audited } from "../audit.ts";
import type { AppContext } from "../context.ts";
import { conflict, forbidden, notFound } from "../errors.ts";
import { isAdmin } from "../middleware/auth.ts";
import {
  bodyErrors,
  commonErrors,
  conflictError,
  IdParam,
  json,
  jsonBody,
  router,
  security,
} from "../openapi.ts";
import { afterCursor, toPage } from "../pagination.ts";

export const toProject = (row: ProjectRow): Project => ({
  id: row.id,
  ownerId: row.ownerId,
  slug: row.slug,
  name: row.name,
  description: row.description,
  templateSource: row.templateSource,
  templateRef: row.templateRef,
  modules: row.modules,
  repoUrl: row.repoUrl,
  status: row.status as Project["status"],
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

async function assertSlugFree(c: AppContext, ownerId: string, slug: string, self?: string) {
  const [other] = await c
    .get("db")
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

const tags = ["projects"];

export const projectsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/projects",
      tags,
      security,
      summary: "List live projects: the caller's own, or (admins) everyone's",
      request: {
        query: PageQuery.extend({
          ownerId: Ulid.optional().describe("admins only: one owner's projects"),
          status: ProjectStatus.optional(),
        }),
      },
      responses: { 200: json(pageOf(Project), "A page of projects"), ...commonErrors },
    }),
    async (c) => {
      const { ownerId, status, ...page } = c.req.valid("query");
      const self = c.get("principal").userId;
      if (ownerId && ownerId !== self && !isAdmin(c))
        throw forbidden("Only admins may list other users' projects.");
      const owner = isAdmin(c) ? ownerId : self;
      const rows = await c
        .get("db")
        .select()
        .from(projects)
        .where(
          and(
            isNull(projects.deletedAt),
            owner ? eq(projects.ownerId, owner) : undefined,
            status ? eq(projects.status, status) : undefined,
            afterCursor(projects.id, page),
          ),
        )
        .orderBy(asc(projects.id))
        .limit(page.limit + 1);
      return c.json(toPage(rows, page, toProject), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/projects",
      tags,
      security,
      summary: "Create a project",
      request: { body: jsonBody(CreateProject) },
      responses: { 201: json(Project, "The new project"), ...bodyErrors, ...conflictError },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const self = c.get("principal").userId;
      if (input.ownerId && input.ownerId !== self && !isAdmin(c)) {
        throw forbidden("Only admins may create projects for other users.");
      }
      const ownerId = input.ownerId ?? self;
      const db = c.get("db");
      if (ownerId !== self) {
        const [owner] = await db.select({ id: users.id }).from(users).where(eq(users.id, ownerId));
        if (!owner) throw notFound("user");
      }
      const slug = input.slug ?? slugify(input.name);
      await assertSlugFree(c, ownerId, slug);
      const now = new Date();
      const row: ProjectRow = {
        id: newId(),
        ownerId,
        slug,
        name: input.name,
        description: input.description,
        templateSource: input.templateSource ?? null,
        templateRef: input.templateRef ?? null,
        modules: input.modules,
        repoUrl: input.repoUrl ?? null,
        status: "draft",
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
      };
      await audited(
        c,
        {
          action: "project.create",
          targetType: "project",
          targetId: row.id,
          details: { ownerId, slug },
        },
        db.insert(projects).values(row),
      );
      return c.json(toProject(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/projects/{id}",
      tags,
      security,
      summary: "Get a project",
      request: { params: IdParam },
      responses: { 200: json(Project, "The project"), ...commonErrors },
    }),
    async (c) => c.json(toProject(await projectFor(c, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/projects/{id}",
      tags,
      security,
      summary: "Change a project (its status: admins only)",
      request: { params: IdParam, body: jsonBody(UpdateProject) },
      responses: { 200: json(Project, "The updated project"), ...bodyErrors, ...conflictError },
    }),
    async (c) => {
      const current = await projectFor(c, c.req.valid("param").id);
      const changes = c.req.valid("json");
      if (changes.status !== undefined && !isAdmin(c))
        throw forbidden("Only admins may set a project's status.");
      if (changes.slug !== undefined) await assertSlugFree(c, current.ownerId, changes.slug, current.id);
      const row: ProjectRow = { ...current, ...changes, updatedAt: new Date() };
      const db = c.get("db");
      await audited(
        c,
        {
          action: "project.update",
          targetType: "project",
          targetId: row.id,
          details: { fields: Object.keys(changes) },
        },
        db.update(projects).set(row).where(eq(projects.id, row.id)),
      );
      return c.json(toProject(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/projects/{id}",
      tags,
      security,
      summary: "Delete a project: kept for history, its secrets erased and its ports released",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...commonErrors },
    }),
    async (c) => {
      const project = await projectFor(c, c.req.valid("param").id);
      const db = c.get("db");
      const now = new Date();
      await audited(
        c,
        {
          action: "project.delete",
          targetType: "project",
          targetId: project.id,
          details: { slug: project.slug },
        },
        db
          .update(projects)
          .set({ deletedAt: now, updatedAt: now, status: "archived" })
          .where(eq(projects.id, project.id)),
        db.delete(secrets).where(eq(secrets.projectId, project.id)),
        db.delete(portAllocations).where(eq(portAllocations.projectId, project.id)),
      );
      return c.body(null, 204);
    },
  );
