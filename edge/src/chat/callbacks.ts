/**
 * Button presses (Telegram callback queries). Data is `<action>:<argument>`, at most 64 bytes:
 *
 *   prjs:<after|0>  a page of projects      prj:<id>   a project's card
 *   dep:<id>        deploy                  logs:<id>  the last run and its jobs
 *   sec:<id>        the secrets' names      del:<id>   ask to delete · del!:<id> delete
 *   run:x:<id>      cancel a run            acc:ok|no:<telegram id>  an admin's access decision
 *   dec:r|d|s:<run id>  a waiting run: retry with guidance, deploy anyway, stop
 *   bud:r|s:<run id>    a run at its budget: raise its cap (by what it offered), stop
 *   upg:m|l|s:<run id>  an upgrade's branch: merge and deploy, look first, skip this version
 *   ans:<n>         the n-th option of the open question (handled by the session as an answer)
 *   inc:r|b|a|m:<project id>  a service's outage: restart, roll back, let the agent fix it, mute
 */
import type { RunDecision } from "@codegen-orchestrator/shared";
import { decideAccess } from "../domain/approvals.ts";
import { deploymentLines, latestDeploymentUrl } from "../domain/deployments.ts";
import { ApiError } from "../domain/errors.ts";
import { findProject, listProjects } from "../domain/projects.ts";
import { assertRunQuota } from "../domain/quotas.ts";
import { listSteps } from "../domain/run-steps.ts";
import { cancelRun, findRun, listRuns, startRun } from "../domain/runs.ts";
import { listSecrets } from "../domain/secrets.ts";
import { OWNER_ACTIONS } from "../monitors/messages.ts";
import { serviceMonitor } from "../monitors/watch.ts";
import { removeProject } from "../pipelines/devops/teardown.ts";
import { decideBudget } from "../pipelines/steps/budget-gate.ts";
import { decideRun } from "../pipelines/steps/decisions.ts";
import { bold, code, escapeHtml } from "../telegram/format.ts";
import { type ChatContext, isAdminChat } from "./context.ts";
import { upgradeButton } from "./upgrade-callbacks.ts";
import { PROJECTS_PER_PAGE, projectCard, projectList, timelineView } from "./views.ts";

/** Where the pressed button's message is, so screens replace it instead of piling up. */
export interface Press {
  messageId: number | null;
  data: string;
}

export async function showProjects(ctx: ChatContext, after: string | null, press?: Press): Promise<void> {
  const rows = await listProjects(ctx.db, ctx.actor, {
    after: after ?? undefined,
    limit: PROJECTS_PER_PAGE + 1,
  });
  const view = projectList(rows.slice(0, PROJECTS_PER_PAGE), rows.length > PROJECTS_PER_PAGE);
  await show(ctx, view.html, view.keyboard, press);
}

async function show(
  ctx: ChatContext,
  html: string,
  keyboard: { text: string; data: string }[][],
  press?: Press,
) {
  if (press?.messageId) await ctx.channel.edit(ctx.chatId, press.messageId, html, keyboard);
  else await ctx.channel.send(ctx.chatId, html, keyboard);
}

async function card(ctx: ChatContext, projectId: string, press: Press) {
  const project = await findProject(ctx.db, ctx.actor, projectId);
  const [lastRun] = await listRuns(ctx.db, ctx.actor, project.id, 1);
  const [url, deployments, monitor] = await Promise.all([
    latestDeploymentUrl(ctx.db, project.id),
    deploymentLines(ctx.db, project.id, 5),
    serviceMonitor(ctx.env, project.id).view(),
  ]);
  const live = deployments.find((deployment) => deployment.status === "deployed");
  const view = projectCard(project, {
    url,
    lastRun: lastRun ?? null,
    live: live?.commitSha ? { commit: live.commitSha, since: live.createdAt } : null,
    certificate: monitor?.last?.certificate ?? null,
  });
  await show(ctx, view.html, view.keyboard, press);
}

type Action = (ctx: ChatContext, argument: string, press: Press) => Promise<string | undefined>;

const DECISIONS: Record<string, RunDecision["choice"]> = { r: "retry", d: "deploy", s: "stop" };

const ACTIONS: Record<string, Action> = {
  prjs: async (ctx, after, press) => {
    await showProjects(ctx, after === "0" ? null : after, press);
    return undefined;
  },
  prj: async (ctx, id, press) => {
    await card(ctx, id, press);
    return undefined;
  },
  dep: async (ctx, id) => {
    await assertRunQuota(ctx.env, ctx.db, ctx.actor);
    const run = await startRun(ctx.db, ctx.actor, id, "devops", ctx.chatId);
    await ctx.session.runChanged(run);
    return "Deploy started";
  },
  logs: async (ctx, id) => {
    const [run] = await listRuns(ctx.db, ctx.actor, id, 1);
    if (!run) return "No runs yet";
    await ctx.channel.send(ctx.chatId, timelineView(run, await listSteps(ctx.db, run.id)));
    return undefined;
  },
  sec: async (ctx, id) => {
    const project = await findProject(ctx.db, ctx.actor, id);
    const names = await listSecrets(ctx.db, ctx.actor, project.id);
    const list = names.length ? names.map((s) => `🔑 ${code(s.name)}`).join("\n") : "No secrets yet.";
    await ctx.channel.send(
      ctx.chatId,
      `${bold(`Secrets of ${project.slug}`)}\n${list}\n\nSet one with /secret ${escapeHtml(project.slug)} NAME (values are never shown).`,
    );
    return undefined;
  },
  del: async (ctx, id, press) => {
    const project = await findProject(ctx.db, ctx.actor, id);
    await show(
      ctx,
      `Delete ${bold(project.name)}? Its runs are cancelled, its service is removed from its server and its secrets erased; its history stays.`,
      [
        [
          { text: "🗑 Yes, delete", data: `del!:${project.id}` },
          { text: "« Keep it", data: `prj:${project.id}` },
        ],
      ],
      press,
    );
    return undefined;
  },
  "del!": async (ctx, id, press) => {
    const project = await findProject(ctx.db, ctx.actor, id);
    const deletion = await removeProject(ctx.env, ctx.db, ctx.actor, project, ctx.chatId);
    // As the cancel button does: the runs' workflows and jobs stopped; the undeploy reports here.
    for (const run of deletion.cancelled) await ctx.session.runChanged(run);
    if (deletion.undeploy) await ctx.session.runChanged(deletion.undeploy);
    await show(ctx, `🗑 ${bold(project.name)} is deleted.`, [[{ text: "« Projects", data: "prjs:0" }]], press);
    return "Deleted";
  },
  run: async (ctx, argument) => {
    const runId = argument.replace(/^x:/, "");
    const run = await cancelRun(ctx.db, ctx.actor, runId);
    await ctx.session.runChanged(run);
    return "Run cancelled";
  },
  dec: async (ctx, argument, press) => {
    const [letter = "", runId = ""] = argument.split(":");
    const choice = DECISIONS[letter];
    if (!choice) return "This button is no longer valid.";
    if (choice === "retry") {
      const run = await findRun(ctx.db, ctx.actor, runId);
      if (run.status !== "waiting") return `The run is ${run.status}, not waiting`;
      await ctx.session.awaitGuidance(run.id);
      return undefined;
    }
    await decideRun(ctx.env, ctx.db, ctx.actor, runId, { choice });
    const verdict = choice === "deploy" ? "🚀 Deploying anyway." : "⏹ Stopped.";
    if (press.messageId)
      await ctx.channel.edit(ctx.chatId, press.messageId, `Run ${code(runId)}: ${verdict}`);
    return choice === "deploy" ? "Deploying anyway" : "Run stopped";
  },
  upg: upgradeButton,
  inc: async (ctx, argument) => {
    const [letter = "", projectId = ""] = argument.split(":");
    const action = OWNER_ACTIONS[letter as keyof typeof OWNER_ACTIONS];
    if (!action) return "This button is no longer valid.";
    // Only who may see the project may act on it (its owner, an admin).
    const project = await findProject(ctx.db, ctx.actor, projectId);
    return serviceMonitor(ctx.env, project.id).act(action);
  },
  bud: async (ctx, argument, press) => {
    const [letter = "", runId = ""] = argument.split(":");
    if (letter !== "r" && letter !== "s") return "This button is no longer valid.";
    const choice = letter === "r" ? "raise" : "stop";
    const { raiseUsd } = await decideBudget(ctx.env, ctx.db, ctx.actor, runId, { choice });
    const verdict = choice === "raise" ? `💸 Cap raised by $${raiseUsd.toFixed(2)}: going on.` : "⏹ Stopped.";
    if (press.messageId)
      await ctx.channel.edit(ctx.chatId, press.messageId, `Run ${code(runId)}: ${verdict}`);
    return choice === "raise" ? "Cap raised" : "Run stopped";
  },
  acc: async (ctx, argument, press) => {
    if (!isAdminChat(ctx)) return "Only admins decide access";
    const [decision, id] = argument.split(":");
    const telegramId = Number(id);
    const approve = decision === "ok";
    const user = await decideAccess(ctx.db, ctx.actor, telegramId, approve);
    if (!user) return "No such user";
    if (user.role === "admin") return "Admins need no approval";
    const verdict = approve ? "✅ approved" : "⛔ denied";
    if (press.messageId)
      await ctx.channel.edit(
        ctx.chatId,
        press.messageId,
        `${escapeHtml(user.name)}: ${verdict} by ${escapeHtml(ctx.user.name)}.`,
      );
    await ctx.channel
      .send(
        telegramId,
        approve
          ? "✅ You have access now. Describe the service you need, or /help."
          : "Sorry, an admin has not given you access to this bot.",
      )
      .catch(() => 0);
    return approve ? "Approved" : "Denied";
  },
};

/** Runs a button's action; refusals (not found, conflicts) come back as a toast. */
export async function runCallback(ctx: ChatContext, press: Press, callbackId: string): Promise<void> {
  const at = press.data.indexOf(":");
  const action = ACTIONS[at < 0 ? press.data : press.data.slice(0, at)];
  let toast: string | undefined = "This button is no longer valid.";
  try {
    if (action) toast = await action(ctx, press.data.slice(at + 1), press);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    toast = err.message;
  }
  await ctx.channel.answerCallback(callbackId, toast);
}
