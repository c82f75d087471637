/** `/users`: people who may use the system. Admins manage them; everyone can read themselves. */

import { CreateUser, PageQuery, pageOf, UpdateUser, User } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { createUser, findUser, listUsers, readUser, toUser, updateUser } from "../../domain/users.ts";
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

const tags = ["users"];

export const usersRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/users/me",
      operationId: "get_me",
      tags,
      security,
      summary: "The caller's own user",
      responses: { 200: json(User, "The caller"), ...commonErrors },
    }),
    async (c) => c.json(toUser(await findUser(c.get("db"), c.get("principal").userId)), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/users",
      operationId: "list_users",
      tags,
      security,
      summary: "List users (admins)",
      request: { query: PageQuery },
      responses: { 200: json(pageOf(User), "A page of users"), ...commonErrors },
    }),
    async (c) => {
      const page = c.req.valid("query");
      const rows = await listUsers(c.get("db"), c.get("principal"), {
        after: page.cursor,
        limit: page.limit + 1,
      });
      return c.json(toPage(rows, page, toUser), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/users",
      operationId: "create_user",
      tags,
      security,
      summary: "Create a user (admins)",
      request: { body: jsonBody(CreateUser) },
      responses: { 201: json(User, "The new user"), ...bodyErrors, ...conflictError },
    }),
    async (c) => {
      const row = await createUser(c.get("db"), c.get("principal"), c.req.valid("json"));
      return c.json(toUser(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/users/{id}",
      operationId: "get_user",
      tags,
      security,
      summary: "Get a user (admins, or the user themself)",
      request: { params: IdParam },
      responses: { 200: json(User, "The user"), ...commonErrors },
    }),
    async (c) =>
      c.json(toUser(await readUser(c.get("db"), c.get("principal"), c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/users/{id}",
      operationId: "update_user",
      tags,
      security,
      summary: "Change a user's name, Telegram id, role or status (admins)",
      request: { params: IdParam, body: jsonBody(UpdateUser) },
      responses: { 200: json(User, "The updated user"), ...bodyErrors, ...conflictError },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await updateUser(c.get("db"), c.get("principal"), id, c.req.valid("json"));
      return c.json(toUser(row), 200);
    },
  );
