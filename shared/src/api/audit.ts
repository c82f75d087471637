/** The audit log as the API shows it: who did what to which target, newest first, filtered. */
import { z } from "zod";
import { PageQuery, Timestamp, Ulid } from "./common.ts";

/** An action (`executor.drain`) or a family of them (`executor`). */
const ActionFilter = z
  .string()
  .regex(/^[a-z][a-z_]*(\.[a-z][a-z_]*)*$/, "an action such as executor.drain, or a family such as executor")
  .max(64);

export const AuditLogQuery = PageQuery.extend({
  actor: z
    .string()
    .regex(/^(?:[0-9A-HJKMNP-TV-Z]{26}|system)$/, "a user's id (a ULID), or system")
    .optional()
    .describe("the user who acted, or `system` for the control plane's own changes"),
  action: ActionFilter.optional().describe(
    "an action (`executor.drain`), or without a dot a family of them (`executor`)",
  ),
  targetType: z
    .string()
    .regex(/^[a-z][a-z_]*$/, "a target type such as executor, server or user")
    .max(32)
    .optional(),
  targetId: z.string().min(1).max(64).optional(),
  since: Timestamp.optional().describe("entries at or after this time"),
  until: Timestamp.optional().describe("entries before this time"),
  cursor: Ulid.optional().describe("the `nextCursor` of the previous (newer) page"),
});
export type AuditLogQuery = z.infer<typeof AuditLogQuery>;

export const AuditLogEntry = z
  .object({
    id: Ulid,
    actorId: z.string().nullable().describe("null: the control plane itself (cron, sweeps, pipelines)"),
    actorName: z.string().nullable(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable().describe("names and ids, never a secret value"),
    createdAt: Timestamp,
  })
  .meta({ id: "AuditLogEntry" });
export type AuditLogEntry = z.infer<typeof AuditLogEntry>;

/** A page of entries, newest first; `nextCursor` pages on to older ones. */
export const AuditLogPage = z
  .object({ items: z.array(AuditLogEntry), nextCursor: Ulid.nullable() })
  .meta({ id: "AuditLogPage" });
