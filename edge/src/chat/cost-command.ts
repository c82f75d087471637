/**
 * `/cost`: what the conversation cost, and this month's spend against the user's and each of their
 * projects' budgets (admins: `/cost all`, everyone's). `/budget <project> <USD|none>`: sets a
 * project's monthly budget, within the owner's own (domain/budgets.ts says who may set what).
 */
import type { BudgetLine, Spend } from "@codegen-orchestrator/shared";
import { costsOverview, myCosts, setProjectBudget } from "../domain/budgets.ts";
import { chatCost } from "../domain/costs.ts";
import { findOwnProjectBySlug } from "../domain/projects.ts";
import { bold, code, escapeHtml } from "../telegram/format.ts";
import { type ChatContext, isAdminChat } from "./context.ts";

const usd = (amount: number) => `$${amount.toFixed(4)}`;
const ofBudget = (spend: Spend) =>
  spend.budgetUsd === null ? usd(spend.spentUsd) : `${usd(spend.spentUsd)} of $${spend.budgetUsd.toFixed(2)}`;
const line = (item: BudgetLine, name: string) => `${name} ${ofBudget(item)}`;

const say = (ctx: ChatContext, html: string) => ctx.channel.send(ctx.chatId, html).then(() => undefined);

const BUDGET_USAGE =
  "Usage: /budget &lt;project&gt; &lt;USD per month&gt;, e.g. /budget shop 20, or /budget shop none to remove it";

export async function costCommand(ctx: ChatContext, args: string): Promise<void> {
  if (args.trim() === "all" && isAdminChat(ctx)) return everyone(ctx);
  const total = await chatCost(ctx.db, ctx.chatId);
  const mine = await myCosts(ctx.db, ctx.actor, new Date());
  const budget =
    mine.user.budgetUsd === null ? "no monthly budget" : `budget $${mine.user.budgetUsd.toFixed(2)}`;
  const lines = [
    `💰 This conversation: ${usd(total)}`,
    `This month (${mine.month}): ${usd(mine.user.spentUsd)}, ${budget}`,
  ];
  if (mine.projects.length)
    lines.push("", bold("Per project"), ...mine.projects.map((p) => line(p, code(p.name))));
  lines.push("", "/budget &lt;project&gt; &lt;USD&gt; sets a project's monthly budget.");
  await say(ctx, lines.join("\n"));
}

/** Admins: every user's and project's spend this month, against budget. */
async function everyone(ctx: ChatContext): Promise<void> {
  const all = await costsOverview(ctx.db, ctx.actor, new Date());
  const lines = [
    `💰 ${bold(`This month (${all.month})`)}`,
    "",
    bold("Per user"),
    ...all.users.map((u) => line(u, escapeHtml(u.name))),
    "",
    bold("Per project"),
    ...all.projects.map((p) => line(p, code(p.name))),
  ];
  await say(ctx, lines.join("\n"));
}

export async function budgetCommand(ctx: ChatContext, args: string): Promise<void> {
  const [slug = "", amount = ""] = args.trim().split(/\s+/);
  const value = amount === "none" ? null : Number(amount);
  if (!slug || !amount || (value !== null && !(Number.isFinite(value) && value >= 0 && value <= 1_000_000)))
    return say(ctx, BUDGET_USAGE);
  const project = await findOwnProjectBySlug(ctx.db, ctx.actor, slug.toLowerCase());
  if (!project) return say(ctx, `You have no project ${code(slug)}. /projects lists them.`);
  await setProjectBudget(ctx.db, ctx.actor, project.id, value);
  await say(
    ctx,
    value === null
      ? `${code(project.slug)} has no monthly budget of its own now (yours still applies). /cost shows the spend.`
      : `${code(project.slug)} may spend $${value.toFixed(2)} a month now. /cost shows the spend.`,
  );
}
