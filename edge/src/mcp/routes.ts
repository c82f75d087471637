/**
 * `/mcp`: the whole API as a remote MCP server (streamable HTTP, stateless: each request is
 * served by a fresh server instance). A request is authenticated with an API key exactly as the
 * API does (no console cookie: a browser must not drive it), and each tool call is then the API
 * request it stands for, made in-process as that key's holder.
 *
 *   claude mcp add --transport http orchestrator https://<worker>/mcp --header "Authorization: Bearer <key>"
 */

import { type ApiOperation, apiOperations, type OpenApiDocument } from "@codegen-orchestrator/shared";
import { createMcpHandler } from "@modelcontextprotocol/server";
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { bearerKey, onBehalfOf } from "../api/middleware/auth.ts";
import { database } from "../db/client.ts";
import type { AppEnv, Principal } from "../http/context.ts";
import { mcpServer } from "./server.ts";
import type { ApiSender } from "./tool-call.ts";

/** The API the tools stand for: its path prefix, its OpenAPI document, and the Worker's fetch. */
export interface McpApi {
  prefix: string;
  document: () => OpenApiDocument;
  fetch: (
    request: Request,
    env: AppEnv["Bindings"],
    ctx: Context["executionCtx"],
  ) => Response | Promise<Response>;
}

/** An MCP request's body: a JSON-RPC message, far below the API's own body limit. */
const MAX_MCP_BODY_BYTES = 1_048_576;

export function mcpRoutes(api: McpApi) {
  let operations: ApiOperation[] | undefined;
  const handler = createMcpHandler(
    ({ authInfo }) => {
      operations ??= apiOperations(api.document());
      return mcpServer(operations, senderOf(authInfo?.extra));
    },
    { maxRequestBodySize: MAX_MCP_BODY_BYTES },
  );
  return new Hono<AppEnv>()
    .use(
      "/mcp",
      createMiddleware<AppEnv>(async (c, next) => {
        c.set("db", database(c.env.DB));
        await next();
      }),
      bearerKey(),
    )
    .all("/mcp", (c) => {
      const principal = c.get("principal");
      const origin = new URL(c.req.url).origin;
      const send: ApiSender = (method, pathAndQuery, body) =>
        Promise.resolve(
          api.fetch(
            onBehalfOf(principal, apiRequest(`${origin}${api.prefix}${pathAndQuery}`, method, body)),
            c.env,
            c.executionCtx,
          ),
        );
      return handler.fetch(c.req.raw, { authInfo: authInfoOf(principal, send) });
    });
}

function apiRequest(url: string, method: string, body: string | undefined): Request {
  return new Request(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body,
  });
}

/** The caller's way to the API, which the route put in the request's auth info. */
function senderOf(extra: Record<string, unknown> | undefined): ApiSender {
  const send = extra?.send;
  if (typeof send !== "function") throw new Error("An MCP request reached its server without its caller.");
  return send as ApiSender;
}

/** What the SDK carries to the server factory: who the caller is, never the key itself. */
const authInfoOf = (principal: Principal, send: ApiSender) => ({
  token: principal.keyId ?? "bootstrap-admin-key",
  clientId: principal.userId,
  scopes: [...principal.scopes],
  extra: { send },
});
