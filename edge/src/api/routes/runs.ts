/** `/projects/{id}/runs`, `/runs/{id}`: start, list, inspect, cancel and answer pipeline runs. */
import {
  BudgetAnswer,
  Run,
  RunAnswers,
  RunDecision,
  RunStatus,
  RunStep,
  StartRun,
  UpgradeDecision,
} from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { assertRunQuota } from "../../domain/quotas.ts";
import { cancelRun, findRun, listRuns, startRun, toRun } from "../../domain/runs.ts";
import { answerRun } from "../../pipelines/engineering/ask-answers.ts";
import { launchRun, stopRun } from "../../pipelines/launch.ts";
import { decideBudget } from "../../pipelines/steps/budget-gate.ts";
import { decideRun } from "../../pipelines/steps/decisions.ts";
import { decideUpgrade } from "../../pipelines/upgrade/decision.ts";
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

const RunWait = z.strictObject({
  waitSeconds: z.coerce.number().int().min(0).max(50).default(0),
  unlessStatus: RunStatus.optional(),
});

export const runsRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/projects/{id}/runs",
      operationId: "start_run",
      tags,
      security,
      summary: "Start a run of the project's engineering or DevOps pipeline",
      request: { params: IdParam, body: jsonBody(StartRun) },
      responses: { 201: json(Run, "The run, queued"), ...bodyErrors, ...quotaError },
    }),
    async (c) => {
      const db = c.get("db");
      const principal = c.get("principal");
      await assertRunQuota(c.env, db, principal);
      // A chat agent's run reports to its chat; anyone else's to the project owner's.
      const chatId = principal.chatId ?? null;
      const run = await startRun(db, principal, c.req.valid("param").id, c.req.valid("json").kind, chatId);
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
      operationId: "list_runs",
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
      operationId: "get_run",
      tags,
      security,
      summary: "Get a run; with `waitSeconds`, once its status changes",
      description:
        "With `waitSeconds`, the answer waits (up to that long, polling once a second) until the run's status is other than `unlessStatus` (by default, its status when asked): a client that saw `running` learns at once when the run waits for its user or ends. It answers the run as it is when the time is up.",
      request: { params: IdParam, query: RunWait },
      responses: { 200: json(Run, "The run"), ...commonErrors },
    }),
    async (c) => {
      const { waitSeconds, unlessStatus } = c.req.valid("query");
      const read = () => findRun(c.get("db"), c.get("principal"), c.req.valid("param").id);
      let run = await read();
      const unless = unlessStatus ?? run.status;
      for (let waited = 0; run.status === unless && waited < waitSeconds; waited++) {
        await scheduler.wait(1000);
        run = await read();
      }
      return c.json(toRun(run), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/runs/{id}/steps",
      operationId: "get_run_steps",
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
      operationId: "cancel_run",
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
    waitingRunRoute("/runs/{id}/decision", RunDecision, "The run, going on", {
      operationId: "decide_run",
      summary: "Answer a run waiting for its user: retry (with guidance), deploy anyway, or stop",
      description:
        "A run asks when its tests still fail after the last fix iteration (its timeline shows a running `decision <n>` step). 409 when it is not waiting.",
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(
        toRun(await decideRun(c.env, c.get("db"), c.get("principal"), id, c.req.valid("json"))),
        200,
      );
    },
  )
  .openapi(
    waitingRunRoute("/runs/{id}/upgrade", UpgradeDecision, "The run, merging or ending", {
      operationId: "answer_upgrade",
      summary: "Answer an upgrade run offering its branch: merge it and deploy, or skip this version",
      description:
        "An `upgrade` run asks once its branch is pushed and tested (its timeline shows a running `upgrade 1` step; `GET /template-versions` shows the branch, the tests and the conflicts). `merge` merges the branch into main and starts a DevOps run; `skip` leaves the branch and never offers this version again. 409 when it is not waiting.",
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(
        toRun(await decideUpgrade(c.env, c.get("db"), c.get("principal"), id, c.req.valid("json"))),
        200,
      );
    },
  )
  .openapi(
    waitingRunRoute("/runs/{id}/budget", BudgetAnswer, "The run, going on or stopping", {
      operationId: "answer_budget",
      summary: "Answer a run paused at a budget: raise its cap (for this run) or stop it",
      description:
        "A run pauses before a paid step (a model call, a coding agent's job) that would pass its project's or its owner's monthly budget: its timeline shows a running `budget <n>` step whose `detail.raiseUsd` is what `raise` adds to this run's cap. 409 when it is not waiting for a budget decision.",
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { run } = await decideBudget(c.env, c.get("db"), c.get("principal"), id, c.req.valid("json"));
      return c.json(toRun(run), 200);
    },
  )
  .openapi(
    waitingRunRoute("/runs/{id}/answers", RunAnswers, "The run, scaffolding again", {
      operationId: "answer_questions",
      summary: "Answer the template's questions a run asks its user",
      description: [
        "An engineering run asks when its template's validators refuse answers the Architect could not correct: its timeline shows a running `answers <n>` step whose `detail.questions` lists each question (`AskedQuestion`: its type, help, choices, the answer refused and the validator's message). Give an answer to each; a string is read as the question's type (`8080`, `yes`, a multiselect's choices separated by commas). The answers are merged into the project's spec and the scaffold runs again; refused again, the run asks again (three times at most).",
        "409 when the run is not waiting for answers (or was answered already); 400 naming each answer missing, not asked, or not of its question's type. Secret questions are never asked.",
      ].join("\n\n"),
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(
        toRun(await answerRun(c.env, c.get("db"), c.get("principal"), id, c.req.valid("json"))),
        200,
      );
    },
  );

/** A route that answers a run waiting for its user: 200 with the run going on, 409 when it waits for no such answer. */
function waitingRunRoute<Body extends z.ZodType>(
  path: string,
  body: Body,
  answered: string,
  text: { operationId: string; summary: string; description: string },
) {
  return createRoute({
    method: "post",
    path,
    tags,
    security,
    ...text,
    request: { params: IdParam, body: jsonBody(body) },
    responses: { 200: json(Run, answered), ...bodyErrors, ...conflictError },
  });
}
