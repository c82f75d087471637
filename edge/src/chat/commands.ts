/**
 * Slash commands. Each is a small function of the chat context and its arguments; `/projects`
 * and the admin lists answer with buttons handled in `callbacks.ts`.
 */
import { SecretName } from "@codegen-orchestrator/shared";
import { signInLink } from "../console/sign-in-links.ts";
import { activeExecutors } from "../domain/executors.ts";
import { findOwnProjectBySlug } from "../domain/projects.ts";
import { activeRunsOf } from "../domain/runs.ts";
import { serverUsage } from "../domain/servers.ts";
import { listTemplates } from "../domain/templates.ts";
import { latestUsers } from "../domain/users.ts";
import { consoleSettings } from "../settings/console.ts";
import { bold, code, escapeHtml } from "../telegram/format.ts";
import { ensureBuiltinTemplatesChecked } from "../templates/launch.ts";
import { showProjects } from "./callbacks.ts";
import { type ChatContext, isAdminChat } from "./context.ts";
import { budgetCommand, costCommand } from "./cost-command.ts";
import { domainCommand } from "./domain-command.ts";
import { logsCommand } from "./logs-command.ts";
import { previewCommand } from "./preview-command.ts";
import { ADMIN_HELP, HELP, runLine } from "./views.ts";

type Command = (ctx: ChatContext, args: string) => Promise<void>;

const say = (ctx: ChatContext, html: string) => ctx.channel.send(ctx.chatId, html).then(() => undefined);

const help: Command = (ctx) => say(ctx, HELP + (isAdminChat(ctx) ? ADMIN_HELP : ""));

const adminOnly =
  (command: Command): Command =>
  (ctx, args) =>
    isAdminChat(ctx) ? command(ctx, args) : say(ctx, "Only admins may use this command.");

const activeRuns = (ctx: ChatContext) => activeRunsOf(ctx.db, ctx.actor, 10);

const COMMANDS: Record<string, Command> = {
  start: (ctx) => say(ctx, `👋 Hello ${escapeHtml(ctx.user.name)}!\n\n${HELP}`),
  help,
  new: async (ctx) => {
    ctx.session.newConversation();
    await say(ctx, "🆕 New conversation. What would you like to build?");
  },
  projects: (ctx) => showProjects(ctx, null),
  login: async (ctx) => {
    const settings = consoleSettings.read(ctx.env);
    if (!settings.CONSOLE_URL)
      return say(ctx, "The web console's address is not set on this server (CONSOLE_URL): ask an admin.");
    const link = await signInLink(ctx.env, ctx.db, ctx.actor, {
      via: "telegram",
      origin: settings.CONSOLE_URL,
    });
    await say(
      ctx,
      `🔐 <a href="${escapeHtml(link.url)}">Sign in to the web console</a>: the link works once, for ${settings.SIGN_IN_LINK_MINUTES} minutes. Do not forward it.`,
    );
  },
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
  cost: costCommand,
  budget: budgetCommand,
  secret: async (ctx, args) => {
    const [slug, name] = args.split(/\s+/);
    if (!slug || !name || !SecretName.safeParse(name).success) {
      return say(ctx, "Usage: /secret &lt;project&gt; &lt;NAME&gt;, e.g. /secret shop STRIPE_API_KEY");
    }
    const project = await findOwnProjectBySlug(ctx.db, ctx.actor, slug.toLowerCase());
    if (!project) return say(ctx, `You have no project ${code(slug)}. /projects lists them.`);
    await ctx.session.awaitSecret(project.id, project.slug, name);
  },
  logs: logsCommand,
  domain: domainCommand,
  preview: previewCommand,
  templates: async (ctx) => {
    await ensureBuiltinTemplatesChecked(ctx.env, ctx.db);
    const rows = await listTemplates(ctx.db, ctx.actor, { limit: 30 });
    const ready = rows.filter((row) => row.status === "ready");
    if (ready.length === 0)
      return say(ctx, "No template is ready yet: an executor is checking the built-in ones.");
    const lines = ready.map(
      (row) => `📦 ${bold(row.title)} ${code(row.name)}\n   ${escapeHtml(row.description)}`,
    );
    // Admins also list the ones being checked or refused (members only ever see ready ones).
    const others = rows.length - ready.length;
    const note =
      others > 0 ? `\n\n${others} more being checked or refused: the console's Templates page says why.` : "";
    const intro = "What a project can be built from (I choose for you from what you describe):";
    await say(ctx, `${intro}\n\n${lines.join("\n")}${note}`);
  },
  servers: adminOnly(async (ctx) => {
    const rows = await serverUsage(ctx.db, ctx.actor);
    if (rows.length === 0) return say(ctx, "No servers registered (POST /api/v1/servers).");
    const lines = rows.map(
      ({ server, reserved, ports }) =>
        `${server.status === "active" ? "🟢" : "⚪"} ${bold(server.name)} ${code(`${server.sshUser}@${server.host}:${server.sshPort}`)}\n   ${server.memoryMb - reserved} of ${server.memoryMb} MB free, ${ports} ports in use`,
    );
    await say(ctx, lines.join("\n"));
  }),
  executors: adminOnly(async (ctx) => {
    const rows = await activeExecutors(ctx.db, ctx.actor);
    if (rows.length === 0) return say(ctx, "No executors registered (POST /api/v1/executors).");
    const lines = rows.map(
      (row) =>
        `${row.status === "online" ? "🟢" : "⚪"} ${bold(row.name)} ${escapeHtml(row.status)}, capacity ${row.capacity}, last seen ${row.lastSeenAt ? row.lastSeenAt.toISOString().slice(0, 16) : "never"}\n   ${escapeHtml(row.capabilities.join(", "))}`,
    );
    await say(ctx, lines.join("\n"));
  }),
  users: adminOnly(async (ctx) => {
    const rows = await latestUsers(ctx.db, ctx.actor, 30);
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
