/** `/api-keys`: bearer keys. Shown once at creation, stored hashed, revocable. */

import { ApiKey, CreateApiKey, CreatedApiKey, PageQuery, pageOf, Ulid } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import { generateKey } from "../../auth/keys.ts";
import { apiKeys, users } from "../../db/schema.ts";
import type { AppContext } from "../../http/context.ts";
import { ApiError, forbidden, notFound } from "../../http/errors.ts";
import { iso, isoOrNull, newId } from "../../ids.ts";
import { audited } from "../audit.ts";
import { isAdmin } from "../middleware/auth.ts";
import { bodyErrors, commonErrors, IdParam, json, jsonBody, router, security } from "../openapi.ts";
import { afterCursor, toPage } from "../pagination.ts";

type ApiKeyRow = typeof apiKeys.$inferSelect;
const DAY_MS = 86_400_000;

const toApiKey = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  userId: row.userId,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes,
  createdAt: iso(row.createdAt),
  lastUsedAt: isoOrNull(row.lastUsedAt),
  expiresAt: isoOrNull(row.expiresAt),
  revokedAt: isoOrNull(row.revokedAt),
});

/** Members act on their own keys only; admins on anyone's. */
function ownerFor(c: AppContext, requested: string | undefined): string {
  const self = c.get("principal").userId;
  if (requested && requested !== self && !isAdmin(c))
    throw forbidden("Only admins may manage other users' keys.");
  return requested ?? self;
}

const tags = ["api-keys"];

export const apiKeysRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/api-keys",
      tags,
      security,
      summary: "Create an API key; the response is the only time the key is shown",
      request: { body: jsonBody(CreateApiKey) },
      responses: { 201: json(CreatedApiKey, "The new key, with the key itself"), ...bodyErrors },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const userId = ownerFor(c, input.userId);
      const granted = c.get("principal").scopes;
      const wider = input.scopes.filter((scope) => !granted.includes(scope));
      if (wider.length > 0)
        throw forbidden(`A key cannot grant scopes its creator lacks: ${wider.join(", ")}.`);
      const db = c.get("db");
      const [owner] = await db.select({ status: users.status }).from(users).where(eq(users.id, userId));
      if (!owner) throw notFound("user");
      if (owner.status !== "active") {
        throw new ApiError(409, "conflict", `The user is ${owner.status}; activate them first.`);
      }
      const { key, prefix, hash } = await generateKey();
      const now = new Date();
      const row: ApiKeyRow = {
        id: newId(),
        userId,
        name: input.name,
        prefix,
        hash,
        scopes: [...new Set(input.scopes)],
        createdAt: now,
        lastUsedAt: null,
        expiresAt: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * DAY_MS) : null,
        revokedAt: null,
      };
      await audited(
        c,
        { action: "api_key.create", targetType: "api_key", targetId: row.id, details: { userId } },
        db.insert(apiKeys).values(row),
      );
      return c.json({ ...toApiKey(row), key }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api-keys",
      tags,
      security,
      summary: "List API keys: the caller's own, or (admins) any user's",
      request: { query: PageQuery.extend({ userId: Ulid.optional() }) },
      responses: {
        200: json(pageOf(ApiKey), "A page of keys, without the keys themselves"),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { userId, ...page } = c.req.valid("query");
      const owner = isAdmin(c) ? userId : ownerFor(c, userId);
      const rows = await c
        .get("db")
        .select()
        .from(apiKeys)
        .where(and(owner ? eq(apiKeys.userId, owner) : undefined, afterCursor(apiKeys.id, page)))
        .orderBy(asc(apiKeys.id))
        .limit(page.limit + 1);
      return c.json(toPage(rows, page, toApiKey), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api-keys/{id}",
      tags,
      security,
      summary: "Revoke an API key (at once; revoking twice is harmless)",
      request: { params: IdParam },
      responses: { 200: json(ApiKey, "The revoked key"), ...commonErrors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const db = c.get("db");
      const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
      // Another member's key is reported as missing, not as forbidden: ids reveal nothing.
      if (!row || (row.userId !== c.get("principal").userId && !isAdmin(c))) throw notFound("API key");
      if (row.revokedAt) return c.json(toApiKey(row), 200);
      const revoked = { ...row, revokedAt: new Date() };
      await audited(
        c,
        { action: "api_key.revoke", targetType: "api_key", targetId: id },
        db.update(apiKeys).set({ revokedAt: revoked.revokedAt }).where(eq(apiKeys.id, id)),
      );
      return c.json(toApiKey(revoked), 200);
    },
  );
