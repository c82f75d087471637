/**
 * `/executors`: the self-hosted executor fleet. Admins create an executor (its token is shown
 * once), list them with live state from the hub, drain or revoke them. Executors connect to
 * `/executors/connect` with their token; see `executorConnectRoutes`.
 */

import { ALL_CAPABILITIES, DEFAULT_POOL, Labels, Slug, Timestamp, Ulid } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  type ExecutorRow,
  executorForToken,
  findExecutor,
  listExecutors,
  recordExecutorAction,
  registerExecutor,
  revokeExecutor,
} from "../../domain/executors.ts";
import { executorHub } from "../../executors/hub.ts";
import { POLICY_HEADER, policyOf } from "../../executors/policy.ts";
import type { AppContext } from "../../http/context.ts";
import { errorBody } from "../../http/errors.ts";
import { iso, isoOrNull } from "../../ids.ts";
import { bodyErrors, commonErrors, error, IdParam, json, jsonBody, router, security } from "../openapi.ts";

const Executor = z
  .object({
    id: Ulid,
    name: z.string(),
    tokenPrefix: z.string(),
    createdAt: Timestamp,
    revokedAt: Timestamp.nullable(),
    connected: z.boolean(),
    draining: z.boolean(),
    pool: z.string().describe("the pool the admin put it in: it runs that pool's jobs only"),
    allowedCapabilities: z.array(z.string()).describe("what the admin allows it to advertise"),
    capabilities: z.array(z.string()).describe("what it advertises, within the allowed ones"),
    labels: Labels,
    capacity: z.number().int(),
    running: z.number().int(),
    lastSeenAt: Timestamp.nullable(),
  })
  .meta({ id: "Executor" });
type Executor = z.infer<typeof Executor>;

const CreateExecutor = z
  .strictObject({
    name: Slug,
    pool: Slug.default(DEFAULT_POOL).describe("the pool whose jobs (and their secrets) it may take"),
    capabilities: z
      .array(z.enum(ALL_CAPABILITIES as [string, ...string[]]))
      .min(1)
      .optional()
      .describe("the capabilities it may advertise (default: all)"),
  })
  .meta({ id: "CreateExecutor" });
const CreatedExecutor = z
  .object({ executor: Executor, token: z.string().describe("shown only here: give it to the daemon") })
  .meta({ id: "CreatedExecutor" });

async function withLiveState(c: AppContext, rows: ExecutorRow[]): Promise<Executor[]> {
  const live = new Map((await executorHub(c.env).executors()).map((e) => [e.executorId, e]));
  return rows.map((row) => {
    const state = live.get(row.id);
    return {
      id: row.id,
      name: row.name,
      tokenPrefix: row.tokenPrefix,
      pool: policyOf(row).pool,
      allowedCapabilities: row.capabilities,
      createdAt: iso(row.createdAt),
      revokedAt: isoOrNull(row.revokedAt),
      connected: state?.connected ?? false,
      draining: state?.draining ?? false,
      capabilities: state?.capabilities ?? [],
      labels: state?.labels ?? row.labels,
      capacity: state?.capacity ?? 0,
      running: state?.running ?? 0,
      lastSeenAt: state ? new Date(state.lastSeenAt).toISOString() : null,
    };
  });
}

const tags = ["executors"];

export const executorsRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/executors",
      tags,
      security,
      summary: "Register an executor; the response is the only time its token is shown (admins)",
      request: { body: jsonBody(CreateExecutor) },
      responses: { 201: json(CreatedExecutor, "The executor and its token"), ...bodyErrors },
    }),
    async (c) => {
      const { row, token } = await registerExecutor(c.get("db"), c.get("principal"), c.req.valid("json"));
      const [executor] = await withLiveState(c, [row]);
      return c.json({ executor: executor as Executor, token }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/executors",
      tags,
      security,
      summary: "List executors with their live state (admins)",
      responses: { 200: json(z.object({ items: z.array(Executor) }), "The executors"), ...commonErrors },
    }),
    async (c) => {
      const rows = await listExecutors(c.get("db"), c.get("principal"));
      return c.json({ items: await withLiveState(c, rows) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/executors/{id}/{action}",
      tags,
      security,
      summary:
        "Drain an executor (it finishes its jobs and takes no new ones, across reconnects) or resume it (admins)",
      request: { params: IdParam.extend({ action: z.enum(["drain", "resume"]) }) },
      responses: { 200: json(Executor, "The executor"), ...commonErrors },
    }),
    async (c) => {
      const { id, action } = c.req.valid("param");
      const row = await findExecutor(c.get("db"), c.get("principal"), id);
      await (action === "drain" ? executorHub(c.env).drain(row.id) : executorHub(c.env).resume(row.id));
      await recordExecutorAction(c.get("db"), c.get("principal"), row, action);
      const [executor] = await withLiveState(c, [row]);
      return c.json(executor as Executor, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/executors/{id}",
      tags,
      security,
      summary: "Revoke an executor's token: its live socket closes and it cannot reconnect (admins)",
      request: { params: IdParam },
      responses: { 200: json(Executor, "The revoked executor"), ...commonErrors },
    }),
    async (c) => {
      const revoked = await revokeExecutor(c.get("db"), c.get("principal"), c.req.valid("param").id);
      await executorHub(c.env).disconnect(revoked.id, "This executor's token was revoked.");
      const [executor] = await withLiveState(c, [revoked]);
      return c.json(executor as Executor, 200);
    },
  );

/** The executors' WebSocket endpoint: authenticated with the executor token, not an API key. */
export const executorConnectRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/executors/connect",
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
