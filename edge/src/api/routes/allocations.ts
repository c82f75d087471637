/** `/allocations`: ports on servers, handed out by the Allocator Durable Object. */

import { Allocation, CreateAllocation, PageQuery, pageOf, Ulid } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import { portAllocations, projects } from "../../db/schema.ts";
import { projectVisible } from "../../domain/visibility.ts";
import { ApiError, notFound } from "../../http/errors.ts";
import { iso } from "../../ids.ts";
import { projectFor } from "../access.ts";
import { audited } from "../audit.ts";
import { isAdmin } from "../middleware/auth.ts";
import { bodyErrors, commonErrors, error, IdParam, json, jsonBody, router, security } from "../openapi.ts";
import { afterCursor, toPage } from "../pagination.ts";

type AllocationRow = typeof portAllocations.$inferSelect;

const toAllocation = (row: AllocationRow): Allocation => ({ ...row, createdAt: iso(row.createdAt) });

const tags = ["allocations"];
const ALLOCATOR_NAME = "global";

export const allocationsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/allocations",
      tags,
      security,
      summary: "List port allocations: of the caller's projects, or (admins) all",
      request: { query: PageQuery.extend({ serverId: Ulid.optional(), projectId: Ulid.optional() }) },
      responses: { 200: json(pageOf(Allocation), "A page of allocations"), ...commonErrors },
    }),
    async (c) => {
      const { serverId, projectId, ...page } = c.req.valid("query");
      const ownerOnly = isAdmin(c) ? undefined : eq(projects.ownerId, c.get("principal").userId);
      const rows = await c
        .get("db")
        .select({ allocation: portAllocations })
        .from(portAllocations)
        // A deleted project's ports are listed while it holds them (until its undeploy releases them).
        .innerJoin(projects, eq(projects.id, portAllocations.projectId))
        .where(
          and(
            ownerOnly,
            serverId ? eq(portAllocations.serverId, serverId) : undefined,
            projectId ? eq(portAllocations.projectId, projectId) : undefined,
            afterCursor(portAllocations.id, page),
          ),
        )
        .orderBy(asc(portAllocations.id))
        .limit(page.limit + 1);
      return c.json(
        toPage(
          rows.map((row) => row.allocation),
          page,
          toAllocation,
        ),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/allocations",
      tags,
      security,
      summary: "Allocate the first free port (≥ the server's range start, 8000 by default)",
      description:
        "On the given server, or on the active server with the most free memory among those carrying the labels.",
      request: { body: jsonBody(CreateAllocation) },
      responses: {
        201: json(Allocation, "The allocation"),
        ...bodyErrors,
        409: error(
          "No server has the capacity, the given one is full (`no_capacity`), or the caller's ports or memory quota is reached (`quota_exceeded`)",
        ),
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      await projectFor(c, input.projectId);
      const outcome = await c.env.ALLOCATOR.getByName(ALLOCATOR_NAME).allocate(
        input,
        c.get("principal").userId,
      );
      if (!outcome.ok) {
        // Which server lacks what is for admins: a member learns nothing of the fleet's capacity.
        const { status, code, message, details, serverDetail } = outcome;
        const shown = serverDetail && isAdmin(c) ? { server: serverDetail } : details;
        throw new ApiError(status, code, message, shown);
      }
      return c.json(outcome.allocation, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/allocations/{id}",
      tags,
      security,
      summary: "Release a port allocation",
      request: { params: IdParam },
      responses: { 204: { description: "Released" }, ...commonErrors },
    }),
    async (c) => {
      const db = c.get("db");
      const [row] = await db
        .select()
        .from(portAllocations)
        .where(eq(portAllocations.id, c.req.valid("param").id));
      if (!row || !(await projectVisible(db, c.get("principal"), row.projectId))) {
        throw notFound("allocation");
      }
      await audited(
        c,
        {
          action: "allocation.release",
          targetType: "server",
          targetId: row.serverId,
          details: { port: row.port, projectId: row.projectId, service: row.service },
        },
        db.delete(portAllocations).where(eq(portAllocations.id, row.id)),
      );
      return c.body(null, 204);
    },
  );
