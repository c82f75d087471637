/** `/projects`: a member's services, from description to deployment; DELETE soft-deletes, then undeploys. */

import {
  CreateProject,
  PageQuery,
  Project,
  ProjectStatus,
  pageOf,
  Ulid,
  UpdateProject,
} from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { invalid } from "../../domain/errors.ts";
import { createProject, listProjects, toProject, updateProject } from "../../domain/projects.ts";
import { assertProjectQuota } from "../../domain/quotas.ts";
import { repoUrlPolicy } from "../../domain/repo-urls.ts";
import { serviceMonitor } from "../../monitors/watch.ts";
import { removeProject } from "../../pipelines/devops/teardown.ts";
import { settleDeletion } from "../../pipelines/launch.ts";
import { monitorSettings } from "../../settings/monitors.ts";
import { projectFor } from "../access.ts";
import {
  bodyErrors,
  commonErrors,
  conflictError,
  IdParam,
  json,
  jsonBody,
  quotaError,
  router,
  security,
} from "../openapi.ts";
import { toPage } from "../pagination.ts";

const tags = ["projects"];

export const projectsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/projects",
      operationId: "list_projects",
      tags,
      security,
      summary: "List live projects: the caller's own, or (admins) everyone's",
      request: {
        query: PageQuery.extend({
          ownerId: Ulid.optional().describe("admins only: one owner's projects"),
          status: ProjectStatus.optional(),
        }),
      },
      responses: { 200: json(pageOf(Project), "A page of projects"), ...commonErrors },
    }),
    async (c) => {
      const { ownerId, status, ...page } = c.req.valid("query");
      const rows = await listProjects(c.get("db"), c.get("principal"), {
        ownerId,
        status,
        after: page.cursor,
        limit: page.limit + 1,
      });
      return c.json(toPage(rows, page, toProject), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/projects",
      operationId: "create_project",
      tags,
      security,
      summary: "Create a project",
      request: { body: jsonBody(CreateProject) },
      responses: { 201: json(Project, "The new project"), ...bodyErrors, ...quotaError },
    }),
    async (c) => {
      await assertProjectQuota(c.env, c.get("db"), c.get("principal"));
      const row = await createProject(
        c.get("db"),
        c.get("principal"),
        c.req.valid("json"),
        repoUrlPolicy(c.env),
      );
      return c.json(toProject(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/projects/{id}",
      operationId: "get_project",
      tags,
      security,
      summary: "Get a project",
      request: { params: IdParam },
      responses: { 200: json(Project, "The project"), ...commonErrors },
    }),
    async (c) => c.json(toProject(await projectFor(c, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/projects/{id}",
      operationId: "update_project",
      tags,
      security,
      summary: "Change a project (its status: admins only)",
      request: { params: IdParam, body: jsonBody(UpdateProject) },
      responses: { 200: json(Project, "The updated project"), ...bodyErrors, ...conflictError },
    }),
    async (c) => {
      const changes = c.req.valid("json");
      const { MONITOR_MIN_INTERVAL_S } = monitorSettings.read(c.env);
      if (changes.monitorIntervalS !== undefined && changes.monitorIntervalS < MONITOR_MIN_INTERVAL_S)
        throw invalid(`monitorIntervalS must be at least ${MONITOR_MIN_INTERVAL_S} seconds.`);
      const row = await updateProject(
        c.get("db"),
        c.get("principal"),
        c.req.valid("param").id,
        changes,
        repoUrlPolicy(c.env),
      );
      if (changes.monitorIntervalS !== undefined)
        await serviceMonitor(c.env, row.id).setInterval(changes.monitorIntervalS);
      return c.json(toProject(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/projects/{id}",
      operationId: "delete_project",
      tags,
      security,
      summary: "Delete a project: kept for history, its runs cancelled, its service undeployed",
      description:
        "The project is deleted at once (its slug frees), its secrets are erased and its runs in progress cancelled. When it left a service on a server or a repository of the GitHub App, an `undeploy` run (listed with its runs, which stay readable by its owner and admins) removes the service, then releases its ports, then archives the repository; otherwise its ports are released at once.",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...commonErrors },
    }),
    async (c) => {
      const project = await projectFor(c, c.req.valid("param").id);
      const db = c.get("db");
      const deletion = await removeProject(c.env, db, c.get("principal"), project);
      await settleDeletion(c.env, db, deletion);
      return c.body(null, 204);
    },
  );
