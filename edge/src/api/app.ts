/**
 * The HTTP API, `/api/v1`: public health + OpenAPI document (and its HTML reference page), then
 * everything else behind a bearer key, a scope check and the JSON body guard. Every failure is the
 * JSON error envelope.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { apiDocsResponse } from "../console/api-docs.tsx";
import { consolePages } from "../console/pages.tsx";
import { consoleSessionRoutes } from "../console/session-routes.tsx";
import { database } from "../db/client.ts";
import type { AppEnv } from "../http/context.ts";
import { errorBody, handleError } from "../http/errors.ts";
import { jsonBody } from "../http/json-body.ts";
import { mcpRoutes } from "../mcp/routes.ts";
import { telegramRoutes } from "../telegram/webhook.ts";
import { authenticate, requireScope } from "./middleware/auth.ts";
import { router } from "./openapi.ts";
import { allocationsRoutes } from "./routes/allocations.ts";
import { apiKeysRoutes } from "./routes/api-keys.ts";
import { auditRoutes } from "./routes/audit.ts";
import { botsRoutes } from "./routes/bots.ts";
import { chatRoutes } from "./routes/chat.ts";
import { chatAgentRoutes } from "./routes/chat-agent.ts";
import { costsRoutes } from "./routes/costs.ts";
import { executorConnectRoutes, executorsRoutes } from "./routes/executors.ts";
import { healthRoutes } from "./routes/health.ts";
import { jobLogsRoutes } from "./routes/job-logs.ts";
import { jobsRoutes } from "./routes/jobs.ts";
import { monitoringRoutes } from "./routes/monitoring.ts";
import { previewsRoutes } from "./routes/previews.ts";
import { projectDomainRoutes } from "./routes/project-domains.ts";
import { projectLogsRoutes } from "./routes/project-logs.ts";
import { projectsRoutes } from "./routes/projects.ts";
import { runsRoutes } from "./routes/runs.ts";
import { secretsRoutes } from "./routes/secrets.ts";
import { serverChecksRoutes } from "./routes/server-checks.ts";
import { serversRoutes } from "./routes/servers.ts";
import { signInLinksRoutes } from "./routes/sign-in-links.ts";
import { templatesRoutes } from "./routes/templates.ts";
import { usersRoutes } from "./routes/users.ts";

export const API_PREFIX = "/api/v1";

/** The document's fixed parts; the routes' definitions supply the rest when it is generated. */
const OPENAPI_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "Codegen Orchestrator API",
    version: "1.0.0",
    description:
      "Control plane of Codegen Orchestrator: projects, templates, secrets, servers, ports, the Telegram bot pool, executors, users, keys, the web chat and the audit log.",
  },
  servers: [{ url: API_PREFIX }],
};

const withDatabase = createMiddleware<AppEnv>(async (c, next) => {
  c.set("db", database(c.env.DB));
  await next();
});

function v1() {
  const api = router();
  api.use("*", withDatabase);
  // Public routes come first: the middleware below only runs for routes registered after it.
  api.route("/", healthRoutes);
  api.route("/", executorConnectRoutes);
  api.doc31("/openapi.json", OPENAPI_CONFIG);
  // The same document as HTML; generated per request like the JSON, so both list every route.
  api.get("/docs", (c) => apiDocsResponse(c, api.getOpenAPI31Document(OPENAPI_CONFIG)));
  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key from `POST /api-keys`, or the bootstrap `ADMIN_API_KEY`.",
  });
  api.use("*", authenticate(), requireScope(), jsonBody());
  return api
    .route("/", usersRoutes)
    .route("/", apiKeysRoutes)
    .route("/", projectsRoutes)
    .route("/", projectLogsRoutes)
    .route("/", projectDomainRoutes)
    .route("/", previewsRoutes)
    .route("/", monitoringRoutes)
    .route("/", runsRoutes)
    .route("/", secretsRoutes)
    .route("/", serversRoutes)
    .route("/", serverChecksRoutes)
    .route("/", templatesRoutes)
    .route("/", allocationsRoutes)
    .route("/", botsRoutes)
    .route("/", executorsRoutes)
    .route("/", jobsRoutes)
    .route("/", jobLogsRoutes)
    .route("/", signInLinksRoutes)
    .route("/", chatRoutes)
    .route("/", chatAgentRoutes)
    .route("/", costsRoutes)
    .route("/", auditRoutes);
}

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.onError(handleError);
  app.notFound((c) =>
    c.json(errorBody("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`), 404),
  );
  const api = v1();
  app.route(API_PREFIX, api);
  app.route(
    "/",
    mcpRoutes({
      prefix: API_PREFIX,
      document: () => api.getOpenAPI31Document(OPENAPI_CONFIG),
      fetch: (request, env, ctx) => app.fetch(request, env, ctx),
    }),
  );
  app.route("/", telegramRoutes);
  app.route("/", consoleSessionRoutes);
  app.route("/", consolePages);
  return app;
}
