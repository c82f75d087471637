/**
 * Spend against monthly budgets: the caller's own (`/costs`), everyone's for admins
 * (`/costs/overview`), and setting a user's budget (admins) or a project's (admins, or its owner
 * up to their own budget). The rules are domain/budgets.ts's.
 */
import { CostsOverview, MyCosts, SetBudget } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { costsOverview, myCosts, setProjectBudget, setUserBudget } from "../../domain/budgets.ts";
import { bodyErrors, commonErrors, IdParam, json, jsonBody, router, security } from "../openapi.ts";

const tags = ["costs"];

const budgetRoute = (path: string, text: { operationId: string; summary: string; description: string }) =>
  createRoute({
    method: "put",
    path,
    tags,
    security,
    ...text,
    request: { params: IdParam, body: jsonBody(SetBudget) },
    responses: { 200: json(SetBudget, "The budget as set"), ...bodyErrors },
  });

export const costsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/costs",
      operationId: "get_costs",
      tags,
      security,
      summary: "What the caller's projects spent this month, against their budgets",
      responses: { 200: json(MyCosts, "This month's spend and budgets"), ...commonErrors },
    }),
    async (c) => c.json(await myCosts(c.get("db"), c.get("principal"), new Date()), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/costs/overview",
      operationId: "get_costs_overview",
      tags,
      security,
      summary: "Every user's and project's spend this month, against their budgets (admins)",
      responses: { 200: json(CostsOverview, "This month's spend and budgets"), ...commonErrors },
    }),
    async (c) => c.json(await costsOverview(c.get("db"), c.get("principal"), new Date()), 200),
  )
  .openapi(
    budgetRoute("/users/{id}/budget", {
      operationId: "set_user_budget",
      summary: "Set a user's monthly budget (admins)",
      description:
        "What all the user's projects may spend on models and coding agents per calendar month (UTC); null for none. It is also the most the user may set as a project's budget. 403 for members.",
    }),
    async (c) => {
      const body = c.req.valid("json");
      await setUserBudget(c.get("db"), c.get("principal"), c.req.valid("param").id, body.monthlyBudgetUsd);
      return c.json(body, 200);
    },
  )
  .openapi(
    budgetRoute("/projects/{id}/budget", {
      operationId: "set_project_budget",
      summary: "Set a project's monthly budget (its owner, or admins)",
      description:
        "What the project may spend on models and coding agents per calendar month (UTC); null for none (its owner's budget still applies). An owner with a budget of their own may set at most that (403 above it); admins may set any.",
    }),
    async (c) => {
      const body = c.req.valid("json");
      await setProjectBudget(c.get("db"), c.get("principal"), c.req.valid("param").id, body.monthlyBudgetUsd);
      return c.json(body, 200);
    },
  );
