/**
 * `/executors`: the self-hosted executor fleet. Admins create an executor (its token is shown
 * once), list them with live state from the hub, drain or revoke them. Executors connect to
 * `/executors/connect` with their token; see `executorConnectRoutes`.
 */

import { CreatedExecutor, CreateExecutor, Executor } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  drainOrResume,
  type ExecutorState,
  executorStates,
  revokeAndDisconnect,
  stateOf,
} from "../../domain/executor-fleet.ts";
import { executorForToken, registerExecutor } from "../../domain/executors.ts";
import { executorHub } from "../../executors/hub.ts";
import { POLICY_HEADER, policyOf } from "../../executors/policy.ts";
import { errorBody } from "../../http/errors.ts";
import { iso, isoOrNull } from "../../ids.ts";
import { bodyErrors, commonErrors, error, IdParam, json, jsonBody, router, security } from "../openapi.ts";

const toExecutor = (state: ExecutorState): Executor => ({
  ...state,
  createdAt: iso(state.createdAt),
  revokedAt: isoOrNull(state.revokedAt),
  lastSeenAt: isoOrNull(state.lastSeenAt),
});

const tags = ["executors"];

export const executorsRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/executors",
      operationId: "register_executor",
      tags,
      security,
      summary: "Register an executor; the response is the only time its token is shown (admins)",
      request: { body: jsonBody(CreateExecutor) },
      responses: { 201: json(CreatedExecutor, "The executor and its token"), ...bodyErrors },
    }),
    async (c) => {
      const { row, token } = await registerExecutor(c.get("db"), c.get("principal"), c.req.valid("json"));
      const executor = toExecutor(await stateOf(executorHub(c.env), row));
      return c.json({ executor, token }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/executors",
      operationId: "list_executors",
      tags,
      security,
      summary: "List executors with their live state (admins)",
      responses: { 200: json(z.object({ items: z.array(Executor) }), "The executors"), ...commonErrors },
    }),
    async (c) => {
      const states = await executorStates(c.get("db"), executorHub(c.env), c.get("principal"));
      return c.json({ items: states.map(toExecutor) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/executors/{id}/{action}",
      operationId: "drain_or_resume_executor",
      tags,
      security,
      summary:
        "Drain an executor (it finishes its jobs and takes no new ones, across reconnects) or resume it (admins)",
      request: { params: IdParam.extend({ action: z.enum(["drain", "resume"]) }) },
      responses: { 200: json(Executor, "The executor"), ...commonErrors },
    }),
    async (c) => {
      const { id, action } = c.req.valid("param");
      const state = await drainOrResume(c.get("db"), executorHub(c.env), c.get("principal"), id, action);
      return c.json(toExecutor(state), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/executors/{id}",
      operationId: "revoke_executor",
      tags,
      security,
      summary: "Revoke an executor's token: its live socket closes and it cannot reconnect (admins)",
      request: { params: IdParam },
      responses: { 200: json(Executor, "The revoked executor"), ...commonErrors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const state = await revokeAndDisconnect(c.get("db"), executorHub(c.env), c.get("principal"), id);
      return c.json(toExecutor(state), 200);
    },
  );

/** The executors' WebSocket endpoint: authenticated with the executor token, not an API key. */
export const executorConnectRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/executors/connect",
    operationId: "connect_executor",
    tags,
    summary: "WebSocket for executor daemons (`Authorization: Bearer <executor token>`)",
    description: "Speaks the executor wire protocol (shared/src/protocol). Refuses revoked tokens.",
    responses: {
      101: { description: "Switching protocols" },
      401: error("Missing, unknown or revoked executor token"),
      426: error("Not a WebSocket upgrade"),
    },
  }),
  async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return c.json(errorBody("invalid_request", "Connect with a WebSocket upgrade."), 426);
    }
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(c.req.header("authorization") ?? "")?.[1];
    const row = token ? await executorForToken(c.get("db"), token) : null;
    if (!row) return c.json(errorBody("unauthorized", "Unknown or revoked executor token."), 401);
    const headers = new Headers(c.req.raw.headers);
    headers.set("x-executor-id", row.id);
    headers.set(POLICY_HEADER, JSON.stringify(policyOf(row)));
    headers.delete("authorization");
    return executorHub(c.env).fetch(new Request(c.req.raw, { headers }));
  },
);
