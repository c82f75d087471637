/**
 * A registration's check in D1: what the inspect job is given (the template's source, while it is
 * still `checking`), and its end written once: `ready` with what the inspection read, or `invalid`
 * with why. The cron finds checks that never started or whose workflow ended without an answer.
 */
import type { CopierInspection, TemplateSource } from "@codegen-orchestrator/shared";
import { and, asc, eq, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { type TemplateProblem, templates } from "../db/schema.ts";

/**
 * Which check a round is: the registration's (round 0) while the template is `checking`, or a
 * later round's while the template is ready and that round is still its latest.
 */
const roundIs = (round: number) =>
  round === 0
    ? eq(templates.status, "checking")
    : and(eq(templates.status, "ready"), eq(templates.checkRound, round));

/** A live, ready git template: the kind whose releases are checked again and offered as upgrades. */
export const liveReadyGitTemplate = and(
  eq(templates.status, "ready"),
  eq(templates.sourceKind, "git"),
  isNull(templates.deletedAt),
);

/** The source to inspect, as a copier job names it; null once the round is over or the template removed. */
export async function templateToCheck(db: Db, id: string, round = 0): Promise<TemplateSource | null> {
  const [row] = await db
    .select()
    .from(templates)
    .where(and(eq(templates.id, id), roundIs(round), isNull(templates.deletedAt)));
  if (!row) return null;
  if (row.sourceKind === "builtin") return { path: row.source };
  return row.versionConstraint ? { url: row.source, version: row.versionConstraint } : { url: row.source };
}

export type TemplateCheckOutcome =
  | { status: "ready"; inspection: CopierInspection }
  | { status: "invalid"; problem: TemplateProblem };

/**
 * Writes the check's end, once: only a live template still in this round changes (a replayed step,
 * a later round, or a template removed meanwhile, writes nothing). A later round that fails keeps
 * the template ready at the release it had, with the failure as its `error`. Returns the status
 * written, or null.
 */
export async function recordTemplateCheck(
  db: Db,
  id: string,
  outcome: TemplateCheckOutcome,
  round = 0,
): Promise<"ready" | "invalid" | null> {
  const now = new Date();
  const changes =
    round > 0 && outcome.status === "invalid"
      ? { error: outcome.problem }
      : outcome.status === "ready"
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
    .where(and(eq(templates.id, id), roundIs(round), isNull(templates.deletedAt)))
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

/**
 * Starts the next round of a ready git template's check (a newer release?): its round number, or
 * null when the template is not a live, ready git template.
 */
export async function beginRecheck(db: Db, id: string): Promise<number | null> {
  const [row] = await db
    .update(templates)
    .set({ checkRound: sql`${templates.checkRound} + 1` })
    .where(and(eq(templates.id, id), liveReadyGitTemplate))
    .returning({ round: templates.checkRound });
  return row?.round ?? null;
}

/** Ready git templates last checked before `before`, least recently checked first. */
export async function dueRechecks(db: Db, before: Date, limit: number): Promise<{ id: string }[]> {
  return db
    .select({ id: templates.id })
    .from(templates)
    .where(and(liveReadyGitTemplate, lt(templates.checkedAt, before)))
    .orderBy(asc(templates.checkedAt))
    .limit(limit);
}

/** The release a template's last check resolved (its tag, else its commit), or null. */
export async function templateRelease(db: Db, id: string): Promise<string | null> {
  const [row] = await db
    .select({ tag: templates.versionTag, commit: templates.versionCommit })
    .from(templates)
    .where(eq(templates.id, id));
  return row ? (row.tag ?? row.commit) : null;
}
