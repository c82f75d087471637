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
import {
  createServer,
  deleteServer,
  findServer,
  listServers,
  toServer,
  updateServer,
} from "../../domain/servers.ts";
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
import { toPage } from "../pagination.ts";

const tags = ["servers"];

export const serversRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/servers",
      operationId: "list_servers",
      tags,
      security,
      summary: "List servers (admins)",
      request: { query: PageQuery.extend({ status: ServerStatus.optional() }) },
      responses: { 200: json(pageOf(Server), "A page of servers"), ...commonErrors },
    }),
    async (c) => {
      const { status, ...page } = c.req.valid("query");
      const rows = await listServers(c.get("db"), c.get("principal"), {
        status,
        after: page.cursor,
        limit: page.limit + 1,
      });
      return c.json(toPage(rows, page, toServer), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/servers",
      operationId: "register_server",
      tags,
      security,
      summary: "Register a server (admins)",
      request: { body: jsonBody(CreateServer) },
      responses: { 201: json(Server, "The new server"), ...bodyErrors, ...conflictError },
    }),
    async (c) => {
      const row = await createServer(c.get("db"), c.get("principal"), c.req.valid("json"));
      return c.json(toServer(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/servers/{id}",
      operationId: "get_server",
      tags,
      security,
      summary: "Get a server (admins)",
      request: { params: IdParam },
      responses: { 200: json(Server, "The server"), ...commonErrors },
    }),
    async (c) =>
      c.json(toServer(await findServer(c.get("db"), c.get("principal"), c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/servers/{id}",
      operationId: "update_server",
      tags,
      security,
      summary: "Change a server (admins)",
      request: { params: IdParam, body: jsonBody(UpdateServer) },
      responses: { 200: json(Server, "The updated server"), ...bodyErrors, ...conflictError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await updateServer(c.get("db"), c.get("principal"), id, c.req.valid("json"));
      return c.json(toServer(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/servers/{id}",
      operationId: "remove_server",
      tags,
      security,
      summary: "Remove a server that holds no allocations (admins)",
      request: { params: IdParam },
      responses: { 204: { description: "Removed" }, ...commonErrors, ...conflictError },
    }),
    async (c) => {
      await deleteServer(c.get("db"), c.get("principal"), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
