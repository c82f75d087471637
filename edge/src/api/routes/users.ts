/** `/users`: people who may use the system. Admins manage them; everyone can read themselves. */

import { CreateUser, PageQuery, pageOf, UpdateUser, User } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import { users } from "../../db/schema.ts";
import type { AppContext } from "../../http/context.ts";
import { conflict, forbidden, notFound } from "../../http/errors.ts";
import { iso, newId } from "../../ids.ts";
import { audited } from "../audit.ts";
import { assertAdmin, isAdmin } from "../middleware/auth.ts";
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

type UserRow = typeof users.$inferSelect;

export const toUser = (row: UserRow): User => ({
  id: row.id,
  telegramId: row.telegramId,
  name: row.name,
  role: row.role,
  status: row.status,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

async function findUser(c: AppContext, id: string): Promise<UserRow> {
  const [row] = await c.get("db").select().from(users).where(eq(users.id, id)).limit(1);
  if (!row) throw notFound("user");
  return row;
}

async function assertTelegramIdFree(c: AppContext, telegramId: number | null | undefined, self?: string) {
  if (telegramId == null) return;
  const [other] = await c
    .get("db")
    .select({ id: users.id })
    .from(users)
    .where(eq(users.telegramId, telegramId));
  if (other && other.id !== self)
    throw conflict("Another user has this Telegram id.", { field: "telegramId" });
}

const tags = ["users"];

export const usersRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/users/me",
      tags,
      security,
      summary: "The caller's own user",
      responses: { 200: json(User, "The caller"), ...commonErrors },
    }),
    async (c) => c.json(toUser(await findUser(c, c.get("principal").userId)), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/users",
      tags,
      security,
      summary: "List users (admins)",
      request: { query: PageQuery },
      responses: { 200: json(pageOf(User), "A page of users"), ...commonErrors },
    }),
    async (c) => {
      assertAdmin(c);
      const page = c.req.valid("query");
      const rows = await c
        .get("db")
        .select()
        .from(users)
        .where(afterCursor(users.id, page))
        .orderBy(asc(users.id))
        .limit(page.limit + 1);
      return c.json(toPage(rows, page, toUser), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/users",
      tags,
      security,
      summary: "Create a user (admins)",
      request: { body: jsonBody(CreateUser) },
      responses: { 201: json(User, "The new user"), ...bodyErrors, ...conflictError },
    }),
    async (c) => {
      assertAdmin(c);
      const input = c.req.valid("json");
      await assertTelegramIdFree(c, input.telegramId);
      const now = new Date();
      const row: UserRow = {
        id: newId(),
        telegramId: input.telegramId ?? null,
        name: input.name,
        role: input.role,
        status: input.status,
        createdAt: now,
        updatedAt: now,
      };
      const db = c.get("db");
      await audited(
        c,
        {
          action: "user.create",
          targetType: "user",
          targetId: row.id,
          details: { role: row.role },
        },
        db.insert(users).values(row),
      );
      return c.json(toUser(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/users/{id}",
      tags,
      security,
      summary: "Get a user (admins, or the user themself)",
      request: { params: IdParam },
      responses: { 200: json(User, "The user"), ...commonErrors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!isAdmin(c) && id !== c.get("principal").userId)
        throw forbidden("Only admins may read other users.");
      return c.json(toUser(await findUser(c, id)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/users/{id}",
      tags,
      security,
      summary: "Change a user's name, Telegram id, role or status (admins)",
      request: { params: IdParam, body: jsonBody(UpdateUser) },
      responses: { 200: json(User, "The updated user"), ...bodyErrors, ...conflictError },
    }),
    async (c) => {
      assertAdmin(c);
      const { id } = c.req.valid("param");
      const changes = c.req.valid("json");
      const current = await findUser(c, id);
      await assertTelegramIdFree(c, changes.telegramId, id);
      const row: UserRow = { ...current, ...changes, updatedAt: new Date() };
      const db = c.get("db");
      await audited(
        c,
        {
          action: "user.update",
          targetType: "user",
          targetId: id,
          details: { fields: Object.keys(changes) },
        },
        db.update(users).set(row).where(eq(users.id, id)),
      );
      return c.json(toUser(row), 200);
    },
  );
