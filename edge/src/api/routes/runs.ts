/** `/projects/{id}/runs`, `/runs/{id}`: start, list, inspect and cancel pipeline runs. */
import { Run, RunDecision, RunStep, StartRun } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { assertRunQuota } from "../../domain/quotas.ts";
import { cancelRun, findRun, listRuns, startRun, toRun } from "../../domain/runs.ts";
import { launchRun, stopRun } from "../../pipelines/launch.ts";
import { decideRun } from "../../pipelines/steps/decisions.ts";
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
import { runTimeline } from "../run-timeline.ts";

const tags = ["runs"];

export const runsRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/projects/{id}/runs",
      tags,
      security,
      summary: "Start a run of the project's engineering or DevOps pipeline",
      request: { params: IdParam, body: jsonBody(StartRun) },
      responses: { 201: json(Run, "The run, queued"), ...bodyErrors, ...quotaError },
    }),
    async (c) => {
      const db = c.get("db");
      await assertRunQuota(c.env, db, c.get("principal"));
      const run = await startRun(db, c.get("principal"), c.req.valid("param").id, c.req.valid("json").kind);
      try {
        await launchRun(c.env, db, run);
      } catch (err) {
        // The run is recorded; it stays queued (and says so) rather than failing the request.
        console.error(JSON.stringify({ event: "run.launch_failed", runId: run.id, error: String(err) }));
      }
      return c.json(toRun(run), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/projects/{id}/runs",
      tags,
      security,
      summary: "A project's runs, newest first (at most 100)",
      request: {
        params: IdParam,
        query: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
      },
      responses: { 200: json(z.object({ items: z.array(Run) }), "The runs"), ...commonErrors },
    }),
    async (c) => {
      const rows = await listRuns(
        c.get("db"),
        c.get("principal"),
        c.req.valid("param").id,
        c.req.valid("query").limit,
      );
      return c.json({ items: rows.map(toRun) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/runs/{id}",
      tags,
      security,
      summary: "Get a run",
      request: { params: IdParam },
      responses: { 200: json(Run, "The run"), ...commonErrors },
    }),
    async (c) => c.json(toRun(await findRun(c.get("db"), c.get("principal"), c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/runs/{id}/steps",
      tags,
      security,
      summary: "A run's timeline: its steps with their jobs, times and outcomes",
      request: { params: IdParam },
      responses: { 200: json(z.object({ items: z.array(RunStep) }), "The steps, in order"), ...commonErrors },
    }),
    async (c) => {
      const { steps } = await runTimeline(c.env, c.get("db"), c.get("principal"), c.req.valid("param").id);
      return c.json({ items: steps }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/runs/{id}/cancel",
      tags,
      security,
      summary: "Cancel a run in progress",
      request: { params: IdParam },
      responses: { 200: json(Run, "The cancelled run"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const run = await cancelRun(c.get("db"), c.get("principal"), c.req.valid("param").id);
      await stopRun(c.env, run);
      return c.json(toRun(run), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/runs/{id}/decision",
      tags,
      security,
      summary: "Answer a run waiting for its user: retry (with guidance), deploy anyway, or stop",
      description:
        "A run asks when its tests still fail after the last fix iteration (its timeline shows a running `decision <n>` step). 409 when it is not waiting.",
      request: { params: IdParam, body: jsonBody(RunDecision) },
      responses: { 200: json(Run, "The run, going on"), ...bodyErrors, ...conflictError },
    }),
    async (c) => {
      const run = await decideRun(
        c.env,
        c.get("db"),
        c.get("principal"),
        c.req.valid("param").id,
        c.req.valid("json"),
      );
      return c.json(toRun(run), 200);
    },
  );
