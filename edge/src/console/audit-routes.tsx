/**
 * The audit page's one route: the GET form's fields read as the API's `AuditLogQuery` (a bad
 * field is said above an empty table, 400), then the same domain read as `GET /api/v1/audit`.
 * The time range comes as UTC instants (`since`, `until`) from the page's script, or, without
 * it, as the local date-time fields read as UTC (the zone the page then names).
 */
import { AuditLogQuery } from "@codegen-orchestrator/shared";
import type { Context } from "hono";
import { assertAdminActor } from "../domain/actor.ts";
import { readAuditLog } from "../domain/audit.ts";
import { type AuditFilterText, AuditPage } from "./audit-page.tsx";
import { whatIsWrong } from "./forms.ts";
import type { PageEnv } from "./page-env.ts";

const PAGE_SIZE = 50;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;
const QUERY_LABELS = {
  actor: "Actor",
  action: "Action",
  targetType: "Target type",
  targetId: "Target id",
  since: "From",
  until: "Until",
  cursor: "Page",
};

/** A `datetime-local` value as a UTC instant; what is not one goes on as typed, for the check to name. */
function asUtc(local: string): string {
  if (!LOCAL_DATE_TIME.test(local)) return local;
  const instant = new Date(`${local}Z`);
  return Number.isNaN(instant.getTime()) ? local : instant.toISOString();
}

const withoutBlanks = (fields: Record<string, string>) =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== ""));

export async function showAudit(c: Context<PageEnv>) {
  // Before the filter is read: a member learns nothing, not even what is wrong with it.
  assertAdminActor(c.get("principal"));
  const field = (name: string) => c.req.query(name)?.trim().slice(0, 100) ?? "";
  const filter: AuditFilterText = {
    actor: field("actor"),
    action: field("action"),
    targetType: field("targetType"),
    targetId: field("targetId"),
    from: field("from"),
    to: field("to"),
  };
  const since = field("since") || asUtc(filter.from);
  const until = field("until") || asUtc(filter.to);
  const cursor = field("cursor");
  const { actor, action, targetType, targetId } = filter;
  const given = withoutBlanks({ actor, action, targetType, targetId, since, until, cursor });
  const parsed = AuditLogQuery.safeParse({ ...given, limit: PAGE_SIZE });
  const query = new URLSearchParams(withoutBlanks({ ...filter, since, until }));
  const page = { user: c.get("user"), filter, query, paged: cursor !== "" };
  if (!parsed.success) {
    const error = whatIsWrong(parsed.error, QUERY_LABELS);
    return c.html(<AuditPage {...page} entries={[]} nextCursor={null} error={error} />, 400);
  }
  const { items, nextCursor } = await readAuditLog(c.get("db"), c.get("principal"), parsed.data);
  return c.html(<AuditPage {...page} entries={items} nextCursor={nextCursor} />);
}
