/** `/audit`: the audit log, newest first, filtered by actor, action, target and time. Admins only. */
import { AuditLogPage, AuditLogQuery } from "@codegen-orchestrator/shared";
import { createRoute } from "@hono/zod-openapi";
import { readAuditLog } from "../../domain/audit.ts";
import { commonErrors, json, router, security } from "../openapi.ts";

export const auditRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/audit",
    operationId: "read_audit_log",
    tags: ["audit"],
    security,
    summary: "Read the audit log, newest first: who did what to which target (admins)",
    description:
      "Every filter narrows; `nextCursor` pages on to older entries. Details hold names and ids, never a secret value.",
    request: { query: AuditLogQuery },
    responses: { 200: json(AuditLogPage, "A page of entries, newest first"), ...commonErrors },
  }),
  async (c) => c.json(await readAuditLog(c.get("db"), c.get("principal"), c.req.valid("query")), 200),
);
