/**
 * Slash commands. Each is a small function of the chat context and its arguments; `/projects`
 * and the admin lists answer with buttons handled in `callbacks.ts`.
 */
import { ACTIVE_RUN_STATUSES, SecretName } from "@codegen-orchestrator/shared";
import { and, desc, eq, inArray, isNull, sql, sum } from "drizzle-orm";
import { costs, executors, portAllocations, projects, runs, servers, users } from "../db/schema.ts";
import { bold, code, escapeHtml } from "../telegram/format.ts";
import { showProjects } from "./callbacks.ts";
import { type ChatContext, isAdminChat } from "./context.ts";
import { ADMIN_HELP, HELP, runLine } from "./views.ts";

type Command = (ctx: ChatContext, args: string) => Promise<void>;

const usd = (amount: number | string | null) => `$${Number(amount ?? 0).toFixed(4)}`;

const say = (ctx: ChatContext, html: string) => ctx.channel.send(ctx.chatId, html).then(() => undefined);

const help: Command = (ctx) => say(ctx, HELP + (isAdminChat(ctx) ? ADMIN_HELP : ""));

const adminOnly =
  (command: Command): Command =>
  (ctx, args) =>
    isAdminChat(ctx) ? command(ctx, args) : say(ctx, "Only admins may use this command.");

async function activeRuns(ctx: ChatContext) {
  return ctx.db
    .select({ run: runs, slug: projects.slug })
    .from(runs)
    .innerJoin(projects, eq(projects.id, runs.projectId))
    .where(
      and(
        eq(projects.ownerId, ctx.actor.userId),
        isNull(projects.deletedAt),
        inArray(runs.status, [...ACTIVE_RUN_STATUSES]),
      ),
    )
    .orderBy(desc(runs.id))
    .limit(10);
}

const COMMANDS: Record<string, Command> = {
  start: (ctx) => say(ctx, `👋 Hello ${escapeHtml(ctx.user.name)}!\n\n${HELP}`),
  help,
  new: async (ctx) => {
    ctx.session.newConversation();
    await say(ctx, "🆕 New conversation. What would you like to build?");
  },
  projects: (ctx) => showProjects(ctx, null),
  status: async (ctx) => {
    const pending = ctx.session.pending();
    const lines = [
      pending
        ? `⏸ Waiting for your ${pending.kind === "secret" ? `secret ${code(pending.name)}` : "answer"}.`
        : "💤 Nothing waits for you.",
    ];
    const active = await activeRuns(ctx);
    lines.push(
      active.length ? `\n${bold("Runs in progress")}` : "No runs in progress.",
      ...active.map(({ run, slug }) => `${code(slug)} ${runLine(run)}`),
    );
    await say(ctx, lines.join("\n"));
  },
  cancel: async (ctx) => {
    if (ctx.session.pending()) {
      ctx.session.closePending("The user cancelled this request. Do not ask again unless they bring it up.");
      await say(ctx, "🚫 Cancelled. What next?");
      return;
    }
    const active = await activeRuns(ctx);
    if (active.length === 0) return say(ctx, "Nothing to cancel.");
    await ctx.channel.send(
      ctx.chatId,
      "Which run should I cancel?",
      active.map(({ run, slug }) => [
        { text: `🚫 ${slug}: ${run.kind} (${run.status})`, data: `run:x:${run.id}` },
      ]),
    );
  },
  cost: async (ctx) => {
    const [chat] = await ctx.db
      .select({ total: sum(costs.amountUsd) })
      .from(costs)
      .where(eq(costs.chatId, ctx.chatId));
    const perProject = await ctx.db
      .select({ slug: projects.slug, total: sum(costs.amountUsd) })
      .from(costs)
      .innerJoin(projects, eq(projects.id, costs.projectId))
      .where(and(eq(projects.ownerId, ctx.actor.userId), isNull(projects.deletedAt)))
      .groupBy(projects.slug)
      .orderBy(projects.slug);
    const lines = [`💰 This conversation: ${usd(chat?.total ?? 0)}`];
    if (perProject.length)
      lines.push("", bold("Per project"), ...perProject.map((p) => `${code(p.slug)} ${usd(p.total)}`));
    await say(ctx, lines.join("\n"));
  },
  secret: async (ctx, args) => {
    const [slug, name] = args.split(/\s+/);
    if (!slug || !name || !SecretName.safeParse(name).success) {
      return say(ctx, "Usage: /secret &lt;project&gt; &lt;NAME&gt;, e.g. /secret shop STRIPE_API_KEY");
    }
    const [project] = await ctx.db
      .select({ id: projects.id, slug: projects.slug })
      .from(projects)
      .where(
        and(
          eq(projects.ownerId, ctx.actor.userId),
          eq(projects.slug, slug.toLowerCase()),
          isNull(projects.deletedAt),
        ),
      );
    if (!project) return say(ctx, `You have no project ${code(slug)}. /projects lists them.`);
    await ctx.session.awaitSecret(project.id, project.slug, name);
  },
  servers: adminOnly(async (ctx) => {
    const rows = await ctx.db
      .select({
        server: servers,
        reserved: sql<number>`COALESCE(SUM(${portAllocations.memoryMb}), 0)`,
        ports: sql<number>`COUNT(${portAllocations.id})`,
      })
      .from(servers)
      .leftJoin(portAllocations, eq(portAllocations.serverId, servers.id))
      .groupBy(servers.id)
      .orderBy(servers.name);
    if (rows.length === 0) return say(ctx, "No servers registered (POST /api/v1/servers).");
    const lines = rows.map(
      ({ server, reserved, ports }) =>
        `${server.status === "active" ? "🟢" : "⚪"} ${bold(server.name)} ${code(`${server.sshUser}@${server.host}:${server.sshPort}`)}\n   ${server.memoryMb - reserved} of ${server.memoryMb} MB free, ${ports} ports in use`,
    );
    await say(ctx, lines.join("\n"));
  }),
  executors: adminOnly(async (ctx) => {
    const rows = await ctx.db
      .select()
      .from(executors)
      .where(isNull(executors.revokedAt))
      .orderBy(executors.name);
    if (rows.length === 0) return say(ctx, "No executors registered (POST /api/v1/executors).");
    const lines = rows.map(
      (row) =>
        `${row.status === "online" ? "🟢" : "⚪"} ${bold(row.name)} ${escapeHtml(row.status)}, capacity ${row.capacity}, last seen ${row.lastSeenAt ? row.lastSeenAt.toISOString().slice(0, 16) : "never"}\n   ${escapeHtml(row.capabilities.join(", "))}`,
    );
    await say(ctx, lines.join("\n"));
  }),
  users: adminOnly(async (ctx) => {
    const rows = await ctx.db.select().from(users).orderBy(desc(users.createdAt)).limit(30);
    const lines = rows.map(
      (row) =>
        `${row.status === "active" ? "🟢" : row.status === "pending" ? "⏳" : "⛔"} ${escapeHtml(row.name)} ${escapeHtml(row.role)}${row.telegramId ? ` ${code(String(row.telegramId))}` : ""}`,
    );
    const keyboard = rows
      .filter((row) => row.status === "pending" && row.telegramId)
      .map((row) => [
        { text: `✅ ${row.name}`.slice(0, 40), data: `acc:ok:${row.telegramId}` },
        { text: "⛔ Deny", data: `acc:no:${row.telegramId}` },
      ]);
    await ctx.channel.send(ctx.chatId, lines.join("\n") || "No users.", keyboard);
  }),
};

export async function runCommand(ctx: ChatContext, command: string, args: string): Promise<void> {
  const handler = COMMANDS[command];
  if (!handler) return say(ctx, `I don't know /${escapeHtml(command)}. /help lists what I can do.`);
  await handler(ctx, args);
}
