/**
 * `/bots`: the Telegram bot pool (admins). A token is checked with `getMe` before it is taken,
 * stored sealed and never shown again; a bot serving a project stays until the project is deleted.
 */

import { Bot, BotStatus, CreateBot, PageQuery, pageOf } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { listBots, removeBot, toBot } from "../../domain/bot-pool.ts";
import { addPoolBot } from "../../telegram/pool-bots.ts";
import {
  bodyErrors,
  commonErrors,
  conflictError,
  error,
  IdParam,
  json,
  jsonBody,
  router,
  security,
} from "../openapi.ts";
import { toPage } from "../pagination.ts";

const tags = ["bots"];

export const botsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/bots",
      operationId: "list_bots",
      tags,
      security,
      summary: "List the bot pool (admins); tokens are never shown",
      request: { query: PageQuery.extend({ status: BotStatus.optional() }) },
      responses: { 200: json(pageOf(Bot), "A page of pooled bots"), ...commonErrors },
    }),
    async (c) => {
      const { status, ...page } = c.req.valid("query");
      const rows = await listBots(c.get("db"), c.get("principal"), {
        status,
        after: page.cursor,
        limit: page.limit + 1,
      });
      return c.json(toPage(rows, page, toBot), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/bots",
      operationId: "add_bot",
      tags,
      security,
      summary: "Add a bot token to the pool, checked with getMe (admins)",
      request: { body: jsonBody(CreateBot) },
      responses: {
        201: json(Bot, "The pooled bot"),
        ...bodyErrors,
        ...conflictError,
        422: error("Telegram refused the token (`details.reason`: what getMe answered)"),
        503: error("Telegram could not be reached, or secrets storage is not configured"),
      },
    }),
    async (c) => {
      const row = await addPoolBot(c.env, c.get("db"), c.get("principal"), c.req.valid("json").token);
      return c.json(toBot(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/bots/{id}",
      operationId: "remove_bot",
      tags,
      security,
      summary: "Take a bot out of the pool: a free one, or one a deleted project still holds (admins)",
      request: { params: IdParam },
      responses: { 204: { description: "Removed" }, ...commonErrors, ...conflictError },
    }),
    async (c) => {
      await removeBot(c.get("db"), c.get("principal"), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
