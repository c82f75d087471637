/**
 * Monthly budgets: what models and coding agents may cost per calendar month (UTC), per user and
 * per project, against what `costs` booked this month.
 *
 * Who sets what: an admin sets a user's budget (the ceiling for everything that user's projects
 * spend) and any project's; an owner sets their own projects' budgets, up to their own budget when
 * they have one. A run pauses before a paid step when its spend plus that step's expected cost
 * would pass either cap (pipelines/steps/budget-gate.ts); its user may raise the cap for that run
 * only (`runs.budget_raise_usd`, added to both caps for it), or stop it.
 */
import type { BudgetLine, CostsOverview, MyCosts } from "@codegen-orchestrator/shared";
import { and, eq, gte, isNull, type SQL, sql, sum } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { costs, projects, runs, users } from "../db/schema.ts";
import { type Actor, assertAdminActor, isAdminActor } from "./actor.ts";
import { auditInsert } from "./audit.ts";
import { forbidden, notFound } from "./errors.ts";
import { findProject } from "./projects.ts";

/** The start of `now`'s calendar month, UTC: budgets are monthly. */
export const monthStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));

/** What was spent and may be spent under one cap this month (USD; budget null: no cap). */
export interface Limit {
  spentUsd: number;
  budgetUsd: number | null;
}

export type BudgetCheck =
  | { over: false }
  | { over: true; limit: "project" | "user"; spentUsd: number; capUsd: number; neededUsd: number };

/** Money rounded to a billionth of a dollar, so that sums of floats compare as the amounts do. */
const usd = (value: number) => Math.round(value * 1e9) / 1e9;

/**
 * Whether a step expected to cost `estimateUsd` would pass a cap, the run's raise added to each;
 * when it would, the first cap it passes and how much more that cap needs for the step.
 */
export function checkBudget(
  limits: { project: Limit; user: Limit },
  raiseUsd: number,
  estimateUsd: number,
): BudgetCheck {
  for (const limit of ["project", "user"] as const) {
    const { spentUsd, budgetUsd } = limits[limit];
    if (budgetUsd === null) continue;
    const capUsd = usd(budgetUsd + raiseUsd);
    const after = usd(spentUsd + estimateUsd);
    if (after > capUsd) return { over: true, limit, spentUsd, capUsd, neededUsd: usd(after - capUsd) };
  }
  return { over: false };
}

/** What the chat's button raises a run's cap by: what the step needs, at least `leastUsd`, in whole cents. */
export const offeredRaise = (neededUsd: number, leastUsd: number) =>
  Math.ceil(Math.max(neededUsd, leastUsd) * 100) / 100;

const spentSince = async (db: Db, since: Date, where: SQL) => {
  const [row] = await db
    .select({ total: sum(costs.amountUsd) })
    .from(costs)
    .innerJoin(projects, eq(projects.id, costs.projectId))
    .where(and(where, gte(costs.createdAt, since)));
  return usd(Number(row?.total ?? 0));
};

/** A project's and its owner's spend and caps this month, for the check before a run's paid step. */
export async function runLimits(
  db: Db,
  runId: string,
  now: Date,
): Promise<{ project: Limit; user: Limit; raiseUsd: number }> {
  const [row] = await db
    .select({
      projectId: projects.id,
      ownerId: projects.ownerId,
      projectBudget: projects.monthlyBudgetUsd,
      userBudget: users.monthlyBudgetUsd,
      raiseUsd: runs.budgetRaiseUsd,
    })
    .from(runs)
    .innerJoin(projects, eq(projects.id, runs.projectId))
    .innerJoin(users, eq(users.id, projects.ownerId))
    .where(eq(runs.id, runId));
  if (!row) throw notFound("run");
  const since = monthStart(now);
  return {
    project: {
      spentUsd: await spentSince(db, since, eq(projects.id, row.projectId)),
      budgetUsd: row.projectBudget,
    },
    user: {
      spentUsd: await spentSince(db, since, eq(projects.ownerId, row.ownerId)),
      budgetUsd: row.userBudget,
    },
    raiseUsd: row.raiseUsd,
  };
}

/** Sets what a run may spend past the budgets in all (its user raised its cap, in the chat or through the API). */
export const raiseRunCap = (db: Db, runId: string, raisedUsd: number) =>
  db
    .update(runs)
    .set({ budgetRaiseUsd: usd(raisedUsd) })
    .where(eq(runs.id, runId));

/** Sets a user's monthly budget (admins only: it is the ceiling of what the user may set). */
export async function setUserBudget(db: Db, actor: Actor, userId: string, budgetUsd: number | null) {
  assertAdminActor(actor);
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId));
  if (!row) throw notFound("user");
  await db.batch([
    db.update(users).set({ monthlyBudgetUsd: budgetUsd, updatedAt: new Date() }).where(eq(users.id, userId)),
    auditInsert(db, actor.userId, {
      action: "user.budget",
      targetType: "user",
      targetId: userId,
      details: { monthlyBudgetUsd: budgetUsd },
    }),
  ]);
}

/** Sets a project's monthly budget: an admin any, its owner up to their own budget. */
export async function setProjectBudget(db: Db, actor: Actor, projectId: string, budgetUsd: number | null) {
  const project = await findProject(db, actor, projectId);
  if (!isAdminActor(actor)) {
    const [owner] = await db
      .select({ budget: users.monthlyBudgetUsd })
      .from(users)
      .where(eq(users.id, project.ownerId));
    const ceiling = owner?.budget ?? null;
    if (ceiling !== null && (budgetUsd === null || budgetUsd > ceiling))
      throw forbidden(
        `Your own monthly budget is $${ceiling.toFixed(2)}: set the project's at most that, or ask an admin to raise yours.`,
      );
  }
  await db.batch([
    db
      .update(projects)
      .set({ monthlyBudgetUsd: budgetUsd, updatedAt: new Date() })
      .where(eq(projects.id, project.id)),
    auditInsert(db, actor.userId, {
      action: "project.budget",
      targetType: "project",
      targetId: project.id,
      details: { monthlyBudgetUsd: budgetUsd },
    }),
  ]);
}

/** The month's spend of a group of cost rows joined in (none: 0). */
const monthSum = (since: Date) =>
  sql<number>`coalesce(sum(case when ${costs.createdAt} >= ${since.getTime()} then ${costs.amountUsd} end), 0)`;

/** Each live project's spend and budget this month: one owner's, or (null) everyone's. */
async function projectLines(
  db: Db,
  since: Date,
  ownerId: string | null,
): Promise<(BudgetLine & { ownerId: string })[]> {
  const rows = await db
    .select({
      id: projects.id,
      name: projects.slug,
      ownerId: projects.ownerId,
      budgetUsd: projects.monthlyBudgetUsd,
      spentUsd: monthSum(since),
    })
    .from(projects)
    .leftJoin(costs, eq(costs.projectId, projects.id))
    .where(and(isNull(projects.deletedAt), ownerId === null ? undefined : eq(projects.ownerId, ownerId)))
    .groupBy(projects.id)
    .orderBy(projects.slug);
  return rows.map((row) => ({ ...row, spentUsd: usd(Number(row.spentUsd)) }));
}

/** The caller's spend against their budget this month, and each of their projects'. */
export async function myCosts(db: Db, actor: Actor, now: Date): Promise<MyCosts> {
  const since = monthStart(now);
  const [me] = await db
    .select({ budget: users.monthlyBudgetUsd })
    .from(users)
    .where(eq(users.id, actor.userId));
  return {
    month: since.toISOString().slice(0, 7),
    user: {
      spentUsd: await spentSince(db, since, eq(projects.ownerId, actor.userId)),
      budgetUsd: me?.budget ?? null,
    },
    projects: (await projectLines(db, since, actor.userId)).map(({ ownerId: _, ...line }) => line),
  };
}

/** Every user's and every live project's spend against budget this month (admins). */
export async function costsOverview(db: Db, actor: Actor, now: Date): Promise<CostsOverview> {
  assertAdminActor(actor);
  const since = monthStart(now);
  const people = await db
    .select({ id: users.id, name: users.name, budgetUsd: users.monthlyBudgetUsd, spentUsd: monthSum(since) })
    .from(users)
    .leftJoin(projects, eq(projects.ownerId, users.id))
    .leftJoin(costs, eq(costs.projectId, projects.id))
    .groupBy(users.id)
    .orderBy(users.name);
  return {
    month: since.toISOString().slice(0, 7),
    users: people.map((row) => ({ ...row, spentUsd: usd(Number(row.spentUsd)) })),
    projects: await projectLines(db, since, null),
  };
}
