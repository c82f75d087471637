/** `/projects/{id}/logs`: the recent output of a project's deployed service, read on its server by a job. */
import { LogsQuery, ProjectLogs } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { readProjectLogs } from "../../pipelines/devops/logs.ts";
import { projectFor } from "../access.ts";
import { commonErrors, error, IdParam, json, router, security } from "../openapi.ts";

export const projectLogsRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/projects/{id}/logs",
    operationId: "read_project_logs",
    tags: ["projects"],
    security,
    summary: "Read the last lines of the project's service output on its server",
    description:
      "An `ansible` job (`project_logs`) in the project's pool reads them on the server of its live deployment, wherever the service manager keeps them: the supervisor's log file (`process`), the unit's journal (`systemd`) or the compose project's logs (`compose`). The call waits for it up to 60 s. Every secret value of the project is replaced with `***`. At most 128 KB: `truncated` says when older lines were cut. With `since`, the `process` manager's log file (which has no times) is read only if it was written to since then.",
    request: { params: IdParam, query: LogsQuery },
    responses: {
      200: json(ProjectLogs, "The last lines (none when the server has nothing deployed for the project)"),
      ...commonErrors,
      409: error("The project has no live deployment (`error.details.reason`: `not_deployed`)"),
      503: error(
        "No executor read the logs within 60 s, the job failed, or secrets storage is not configured",
      ),
    },
  }),
  async (c) => {
    const project = await projectFor(c, c.req.valid("param").id);
    return c.json(await readProjectLogs(c.env, c.get("db"), project, c.req.valid("query")), 200);
  },
);
