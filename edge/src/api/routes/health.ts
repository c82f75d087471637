/** `/health`: unauthenticated liveness, including a D1 round trip. */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { error, json, router } from "../openapi.ts";

const Health = z.object({ status: z.literal("ok"), database: z.literal("ok"), time: z.iso.datetime() });

export const healthRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/health",
    operationId: "health",
    tags: ["meta"],
    summary: "Liveness and database reachability (no key needed)",
    responses: { 200: json(Health, "Up"), 503: error("The database is unreachable") },
  }),
  async (c) => {
    await c.env.DB.prepare("select 1").first();
    return c.json({ status: "ok" as const, database: "ok" as const, time: new Date().toISOString() }, 200);
  },
);
