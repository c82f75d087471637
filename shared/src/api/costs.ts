/**
 * Spend against monthly budgets (calendar months, UTC): a user's budget caps what all their
 * projects' model calls and coding agents cost; a project's caps that project. Admins set users'
 * budgets and any project's; owners set their projects' up to their own.
 */
import { z } from "zod";

export const SetBudget = z.strictObject({
  monthlyBudgetUsd: z
    .number()
    .nonnegative()
    .max(1_000_000)
    .nullable()
    .describe("what may be spent per calendar month (UTC), in USD; null: no cap of its own"),
});
export type SetBudget = z.infer<typeof SetBudget>;

export const Spend = z.object({
  spentUsd: z.number().describe("booked this month, in USD"),
  budgetUsd: z.number().nullable().describe("the monthly budget, in USD; null: none"),
});
export type Spend = z.infer<typeof Spend>;

export const BudgetLine = Spend.extend({
  id: z.string(),
  name: z.string().describe("a project's slug, or a user's name"),
});
export type BudgetLine = z.infer<typeof BudgetLine>;

export const MyCosts = z.object({
  month: z.string().describe("the month, YYYY-MM (UTC)"),
  user: Spend.describe("the caller's projects together, against the caller's budget"),
  projects: z.array(BudgetLine).describe("each of the caller's live projects"),
});
export type MyCosts = z.infer<typeof MyCosts>;

export const CostsOverview = z.object({
  month: z.string().describe("the month, YYYY-MM (UTC)"),
  users: z.array(BudgetLine).describe("every user: what their projects spent, against their budget"),
  projects: z.array(BudgetLine.extend({ ownerId: z.string() })).describe("every live project"),
});
export type CostsOverview = z.infer<typeof CostsOverview>;

/** A waiting run's user answers its budget question: raise its cap by what was offered, or stop it. */
export const BudgetAnswer = z.strictObject({ choice: z.enum(["raise", "stop"]) });
export type BudgetAnswer = z.infer<typeof BudgetAnswer>;
