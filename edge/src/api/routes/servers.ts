/** `/servers`: the hosts services are deployed to. Admins only. */

import {
  CreateServer,
  PageQuery,
  pageOf,
  Server,
  ServerStatus,
  UpdateServer,
} from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import { portAllocations, servers } from "../../db/schema.ts";
import type { AppContext } from "../../http/context.ts";
import { conflict, notFound } from "../../http/errors.ts";
import { iso, newId } from "../../ids.ts";
import { audited } from "../audit.ts";
import { assertAdmin } from "../middleware/auth.ts";
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

type ServerRow = typeof servers.$inferSelect;

const toServer = (row: ServerRow): Server => ({
  id: row.id,
  name: row.name,
  host: row.host,
  sshPort: row.sshPort,
  sshUser: row.sshUser,
  labels: row.labels,
  memoryMb: row.memoryMb,
  cpuCores: row.cpuCores,
  portRangeStart: row.portRangeStart,
  portRangeEnd: row.portRangeEnd,
  knownHosts: row.knownHosts,
  trustFirstHostKey: row.trustFirstHostKey,
  deployRoot: row.deployRoot,
  serviceManager: row.serviceManager,
  status: row.status,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

async function findServer(c: AppContext, id: string): Promise<ServerRow> {
  const [row] = await c.get("db").select().from(servers).where(eq(servers.id, id));
  if (!row) throw notFound("server");
  return row;
}

async function assertNameFree(c: AppContext, name: string, self?: string) {
  const [other] = await c.get("db").select({ id: servers.id }).from(servers).where(eq(servers.name, name));
  if (other && other.id !== self) throw conflict(`A server named \`${name}\` exists.`, { field: "name" });
}

const tags = ["servers"];

export const serversRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/servers",
      tags,
      security,
      summary: "List servers (admins)",
      request: { query: PageQuery.extend({ status: ServerStatus.optional() }) },
      responses: { 200: json(pageOf(Server), "A page of servers"), ...commonErrors },
    }),
    async (c) => {
      assertAdmin(c);
      const { status, ...page } = c.req.valid("query");
      const rows = await c
        .get("db")
        .select()
        .from(servers)
        .where(and(status ? eq(servers.status, status) : undefined, afterCursor(servers.id, page)))
        .orderBy(asc(servers.id))
        .limit(page.limit + 1);
      return c.json(toPage(rows, page, toServer), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/servers",
      tags,
      security,
      summary: "Register a server (admins)",
      request: { body: jsonBody(CreateServer) },
      responses: { 201: json(Server, "The new server"), ...bodyErrors, ...conflictError },
    }),
    async (c) => {
      assertAdmin(c);
      const input = c.req.valid("json");
      await assertNameFree(c, input.name);
      const now = new Date();
      const row: ServerRow = { id: newId(), ...input, createdAt: now, updatedAt: now };
      const db = c.get("db");
      await audited(
        c,
        {
          action: "server.create",
          targetType: "server",
          targetId: row.id,
          details: { name: row.name },
        },
        db.insert(servers).values(row),
      );
      return c.json(toServer(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/servers/{id}",
      tags,
      security,
      summary: "Get a server (admins)",
      request: { params: IdParam },
      responses: { 200: json(Server, "The server"), ...commonErrors },
    }),
    async (c) => {
      assertAdmin(c);
      return c.json(toServer(await findServer(c, c.req.valid("param").id)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/servers/{id}",
      tags,
      security,
      summary: "Change a server (admins)",
      request: { params: IdParam, body: jsonBody(UpdateServer) },
      responses: { 200: json(Server, "The updated server"), ...bodyErrors, ...conflictError },
    }),
    async (c) => {
      assertAdmin(c);
      const current = await findServer(c, c.req.valid("param").id);
      const changes = c.req.valid("json");
      const row: ServerRow = { ...current, ...changes, updatedAt: new Date() };
      if (row.portRangeStart > row.portRangeEnd) {
        throw conflict("portRangeStart must not exceed portRangeEnd.", { field: "portRangeEnd" });
      }
      if (changes.name !== undefined) await assertNameFree(c, changes.name, current.id);
      const db = c.get("db");
      await audited(
        c,
        {
          action: "server.update",
          targetType: "server",
          targetId: row.id,
          details: { fields: Object.keys(changes) },
        },
        db.update(servers).set(row).where(eq(servers.id, row.id)),
      );
      return c.json(toServer(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/servers/{id}",
      tags,
      security,
      summary: "Remove a server that holds no allocations (admins)",
      request: { params: IdParam },
      responses: { 204: { description: "Removed" }, ...commonErrors, ...conflictError },
    }),
    async (c) => {
      assertAdmin(c);
      const server = await findServer(c, c.req.valid("param").id);
      const db = c.get("db");
      const allocations = await db.$count(portAllocations, eq(portAllocations.serverId, server.id));
      if (allocations > 0) {
        throw conflict(`Server ${server.name} holds ${allocations} allocations; release them first.`, {
          allocations,
        });
      }
      await audited(
        c,
        {
          action: "server.delete",
          targetType: "server",
          targetId: server.id,
          details: { name: server.name },
        },
        db.delete(servers).where(eq(servers.id, server.id)),
      );
      return c.body(null, 204);
    },
  );
