/** `/api-keys`: bearer keys. Shown once at creation, stored hashed, revocable. */

import { ApiKey, CreateApiKey, CreatedApiKey, PageQuery, pageOf, Ulid } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { createApiKey, listApiKeys, revokeApiKey, toApiKey } from "../../domain/api-keys.ts";
import { bodyErrors, commonErrors, IdParam, json, jsonBody, router, security } from "../openapi.ts";
import { toPage } from "../pagination.ts";

const tags = ["api-keys"];

export const apiKeysRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/api-keys",
      operationId: "create_api_key",
      tags,
      security,
      summary: "Create an API key; the response is the only time the key is shown",
      request: { body: jsonBody(CreateApiKey) },
      responses: { 201: json(CreatedApiKey, "The new key, with the key itself"), ...bodyErrors },
    }),
    async (c) => {
      const { row, key } = await createApiKey(c.get("db"), c.get("principal"), c.req.valid("json"));
      return c.json({ ...toApiKey(row), key }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api-keys",
      operationId: "list_api_keys",
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
      const rows = await listApiKeys(c.get("db"), c.get("principal"), {
        userId,
        after: page.cursor,
        limit: page.limit + 1,
      });
      return c.json(toPage(rows, page, toApiKey), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api-keys/{id}",
      operationId: "revoke_api_key",
      tags,
      security,
      summary: "Revoke an API key (at once; revoking twice is harmless)",
      request: { params: IdParam },
      responses: { 200: json(ApiKey, "The revoked key"), ...commonErrors },
    }),
    async (c) => {
      const row = await revokeApiKey(c.get("db"), c.get("principal"), c.req.valid("param").id);
      return c.json(toApiKey(row), 200);
    },
  );
