/**
 * A registration's check in D1: what the inspect job is given (the template's source, while it is
 * still `checking`), and its end written once: `ready` with what the inspection read, or `invalid`
 * with why. The cron finds checks that never started or whose workflow ended without an answer.
 */
import type { CopierInspection, TemplateSource } from "@codegen-orchestrator/shared";
import { and, asc, eq, isNull, lt } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { type TemplateProblem, templates } from "../db/schema.ts";

/** The source to inspect, as a copier job names it; null once the template is checked or removed. */
export async function templateToCheck(db: Db, id: string): Promise<TemplateSource | null> {
  const [row] = await db
    .select()
    .from(templates)
    .where(and(eq(templates.id, id), eq(templates.status, "checking"), isNull(templates.deletedAt)));
  if (!row) return null;
  if (row.sourceKind === "builtin") return { path: row.source };
  return row.versionConstraint ? { url: row.source, version: row.versionConstraint } : { url: row.source };
}

export type TemplateCheckOutcome =
  | { status: "ready"; inspection: CopierInspection }
  | { status: "invalid"; problem: TemplateProblem };

/**
 * Writes the check's end, once: only a live template still `checking` changes (a replayed step,
 * or a template removed meanwhile, writes nothing). Returns the status written, or null.
 */
export async function recordTemplateCheck(
  db: Db,
  id: string,
  outcome: TemplateCheckOutcome,
): Promise<"ready" | "invalid" | null> {
  const now = new Date();
  const changes =
    outcome.status === "ready"
      ? {
          status: "ready" as const,
          questions: outcome.inspection.questions,
          settings: {
            file: outcome.inspection.file,
            subdirectory: outcome.inspection.subdirectory,
            messages: outcome.inspection.messages,
          },
          versionTag: outcome.inspection.templateCommit ? outcome.inspection.templateRef : null,
          versionCommit: outcome.inspection.templateCommit,
          error: null,
        }
      : { status: "invalid" as const, error: outcome.problem };
  const updated = await db
    .update(templates)
    .set({ ...changes, checkedAt: now, updatedAt: now })
    .where(and(eq(templates.id, id), eq(templates.status, "checking"), isNull(templates.deletedAt)))
    .returning({ id: templates.id });
  return updated.length > 0 ? outcome.status : null;
}

/** Live templates still `checking` that were registered before `before`, oldest first. */
export async function pendingTemplateChecks(db: Db, before: Date, limit: number): Promise<{ id: string }[]> {
  return db
    .select({ id: templates.id })
    .from(templates)
    .where(
      and(eq(templates.status, "checking"), isNull(templates.deletedAt), lt(templates.createdAt, before)),
    )
    .orderBy(asc(templates.id))
    .limit(limit);
}
