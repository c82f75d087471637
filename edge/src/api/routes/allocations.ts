/** `/allocations`: ports on servers, handed out by the Allocator Durable Object. */

import { Allocation, CreateAllocation, PageQuery, pageOf, Ulid } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { listAllocations, releaseAllocation, toAllocation } from "../../domain/allocations.ts";
import { ApiError } from "../../domain/errors.ts";
import { projectFor } from "../access.ts";
import { isAdmin } from "../middleware/auth.ts";
import { bodyErrors, commonErrors, error, IdParam, json, jsonBody, router, security } from "../openapi.ts";
import { toPage } from "../pagination.ts";

const tags = ["allocations"];
const ALLOCATOR_NAME = "global";

export const allocationsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/allocations",
      operationId: "list_allocations",
      tags,
      security,
      summary: "List port allocations: of the caller's projects, or (admins) all",
      request: { query: PageQuery.extend({ serverId: Ulid.optional(), projectId: Ulid.optional() }) },
      responses: { 200: json(pageOf(Allocation), "A page of allocations"), ...commonErrors },
    }),
    async (c) => {
      const { serverId, projectId, ...page } = c.req.valid("query");
      const rows = await listAllocations(c.get("db"), c.get("principal"), {
        serverId,
        projectId,
        after: page.cursor,
        limit: page.limit + 1,
      });
      return c.json(toPage(rows, page, toAllocation), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/allocations",
      operationId: "allocate_port",
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
      operationId: "release_port",
      tags,
      security,
      summary: "Release a port allocation",
      request: { params: IdParam },
      responses: { 204: { description: "Released" }, ...commonErrors },
    }),
    async (c) => {
      await releaseAllocation(c.get("db"), c.get("principal"), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
