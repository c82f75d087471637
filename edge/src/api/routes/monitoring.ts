/**
 * `/projects/{id}/monitor`, `/incidents` and `/deployments`: how a deployed service is doing, its
 * outages, and what runs where (the live release, its URL and certificate).
 */
import { type Deployment, Incident, ProjectDeployments, ProjectMonitor } from "@codegen-orchestrator/shared";
import { createRoute, z } from "@hono/zod-openapi";
import { type DeploymentLine, deploymentLines } from "../../domain/deployments.ts";
import { projectIncidents, toIncident } from "../../domain/incidents.ts";
import { recentDays } from "../../domain/monitor-days.ts";
import { serviceMonitor } from "../../monitors/watch.ts";
import { projectFor } from "../access.ts";
import { commonErrors, IdParam, json, router, security } from "../openapi.ts";

const tags = ["monitoring"];

export const monitoringRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/projects/{id}/monitor",
      operationId: "get_project_monitor",
      tags,
      security,
      summary: "The project's service monitor: what it checks, how it is doing, its daily uptime and latency",
      request: { params: IdParam },
      responses: { 200: json(ProjectMonitor, "The monitor's state and history"), ...commonErrors },
    }),
    async (c) => {
      const project = await projectFor(c, c.req.valid("param").id);
      const state = await serviceMonitor(c.env, project.id).view();
      const days = await recentDays(c.get("db"), project.id, 30);
      return c.json(
        {
          watching: state !== null,
          url: state ? `${state.target.url}${state.target.healthPath}` : null,
          intervalS: state?.target.intervalS ?? project.monitorIntervalS,
          checks: state?.checks ?? 0,
          lastCheck: state?.last ?? null,
          watchSince: state?.watch ? new Date(state.watch.at).toISOString() : null,
          consecutiveFailures: state?.health.failures.length ?? 0,
          openIncidentId: state?.health.incident?.id ?? null,
          days,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/projects/{id}/incidents",
      operationId: "list_incidents",
      tags,
      security,
      summary: "The project's incidents, newest first: failed releases and outages its monitor found",
      request: { params: IdParam },
      responses: {
        200: json(z.object({ items: z.array(Incident) }), "Its last 50 incidents"),
        ...commonErrors,
      },
    }),
    async (c) => {
      const project = await projectFor(c, c.req.valid("param").id);
      const rows = await projectIncidents(c.get("db"), project.id, 50);
      return c.json({ items: rows.map(toIncident) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/projects/{id}/deployments",
      operationId: "list_deployments",
      tags,
      security,
      summary: "The project's deployments: the live release, its URL and (behind a proxy) its certificate",
      description:
        "The live release is the one `deployed` deployment; `certificate` is what the site presented to the monitor's last check through the server's proxy (issuer, expiry, whether a public CA signed it).",
      request: { params: IdParam },
      responses: {
        200: json(ProjectDeployments, "The live release and the latest deployments"),
        ...commonErrors,
      },
    }),
    async (c) => {
      const project = await projectFor(c, c.req.valid("param").id);
      const [lines, state] = await Promise.all([
        deploymentLines(c.get("db"), project.id, 20),
        serviceMonitor(c.env, project.id).view(),
      ]);
      const items = lines.map(toDeployment);
      return c.json(
        {
          live: items.find((deployment) => deployment.status === "deployed") ?? null,
          certificate: state?.last?.certificate ?? null,
          items,
        },
        200,
      );
    },
  );

const toDeployment = (line: DeploymentLine): Deployment => ({
  id: line.id,
  status: line.status,
  url: line.url,
  commit: line.commitSha,
  server: line.serverName,
  createdAt: line.createdAt.toISOString(),
  finishedAt: line.finishedAt?.toISOString() ?? null,
});
