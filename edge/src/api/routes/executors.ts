/**
 * `/executors`: the self-hosted executor fleet. Admins create an executor (its token is shown
 * once), list them with live state from the hub, drain or revoke them. Executors connect to
 * `/executors/connect` with their token; see `executorConnectRoutes`.
 */

import {
  ALL_CAPABILITIES,
  DEFAULT_POOL,
  Labels,
  POOL_LABEL,
  Slug,
  Timestamp,
  Ulid,
} from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { and, asc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { generateKey, sha256Hex } from "../../auth/keys.ts";
import { executors } from "../../db/schema.ts";
import { executorHub } from "../../executors/hub.ts";
import { POLICY_HEADER, policyOf } from "../../executors/policy.ts";
import type { AppContext } from "../../http/context.ts";
import { errorBody, notFound } from "../../http/errors.ts";
import { iso, isoOrNull, newId } from "../../ids.ts";
import { audited } from "../audit.ts";
import { assertAdmin } from "../middleware/auth.ts";
import { bodyErrors, commonErrors, error, IdParam, json, jsonBody, router, security } from "../openapi.ts";

type ExecutorRow = typeof executors.$inferSelect;

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

async function findExecutor(c: AppContext, id: string): Promise<ExecutorRow> {
  const [row] = await c.get("db").select().from(executors).where(eq(executors.id, id));
  if (!row) throw notFound("executor");
  return row;
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
      assertAdmin(c);
      const { name, pool, capabilities } = c.req.valid("json");
      const { key, prefix, hash } = await generateKey("executor");
      const row: ExecutorRow = {
        id: newId(),
        name,
        tokenPrefix: prefix,
        tokenHash: hash,
        labels: { [POOL_LABEL]: pool },
        capabilities: [...new Set(capabilities ?? ALL_CAPABILITIES)],
        capacity: 0,
        status: "offline",
        lastSeenAt: null,
        createdAt: new Date(),
        revokedAt: null,
      };
      await audited(
        c,
        {
          action: "executor.create",
          targetType: "executor",
          targetId: row.id,
          details: { name, pool, capabilities: row.capabilities },
        },
        c.get("db").insert(executors).values(row),
      );
      const [executor] = await withLiveState(c, [row]);
      return c.json({ executor: executor as Executor, token: key }, 201);
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
      assertAdmin(c);
      const rows = await c.get("db").select().from(executors).orderBy(asc(executors.id));
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
      assertAdmin(c);
      const { id, action } = c.req.valid("param");
      const row = await findExecutor(c, id);
      await (action === "drain" ? executorHub(c.env).drain(row.id) : executorHub(c.env).resume(row.id));
      await audited(c, { action: `executor.${action}`, targetType: "executor", targetId: row.id });
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
      assertAdmin(c);
      const row = await findExecutor(c, c.req.valid("param").id);
      const revoked = { ...row, revokedAt: row.revokedAt ?? new Date() };
      if (!row.revokedAt) {
        await audited(
          c,
          { action: "executor.revoke", targetType: "executor", targetId: row.id },
          c.get("db").update(executors).set({ revokedAt: revoked.revokedAt }).where(eq(executors.id, row.id)),
        );
      }
      await executorHub(c.env).disconnect(row.id, "This executor's token was revoked.");
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
    const [row] = token
      ? await c
          .get("db")
          .select({ id: executors.id, labels: executors.labels, capabilities: executors.capabilities })
          .from(executors)
          .where(and(eq(executors.tokenHash, await sha256Hex(token)), isNull(executors.revokedAt)))
      : [];
    if (!row) return c.json(errorBody("unauthorized", "Unknown or revoked executor token."), 401);
    const headers = new Headers(c.req.raw.headers);
    headers.set("x-executor-id", row.id);
    headers.set(POLICY_HEADER, JSON.stringify(policyOf(row)));
    headers.delete("authorization");
    return executorHub(c.env).fetch(new Request(c.req.raw, { headers }));
  },
);
