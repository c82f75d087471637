/**
 * What every recovery step of a monitor shares: its context (the monitor's state, changed in
 * place) and the record of a step (on the
 * incident in D1, and in the owner's "down" message while the incident is open).
 */
import type { IncidentAction } from "@codegen-orchestrator/shared";
import { editUserNotice } from "../chat/notices.ts";
import type { Db } from "../db/client.ts";
import { recordIncidentAction } from "../domain/incidents.ts";
import { monitoredProject } from "../domain/pipeline-projects.ts";
import type { Env } from "../env.ts";
import type { JudgeConfig } from "./judge.ts";
import { downMessage, incidentKeyboard } from "./messages.ts";
import type { MonitorState } from "./monitor-state.ts";

export type MonitoredProject = Awaited<ReturnType<typeof monitoredProject>>;

export interface MonitorContext {
  env: Env;
  db: Db;
  state: MonitorState;
  config: JudgeConfig;
  now: number;
  /** The watched project as this event read it (undefined: not read yet; projectOf reads it). */
  project?: MonitoredProject;
}

/** The project's name, policy and owner's chat: read from D1 once per event, however many steps need it. */
export async function projectOf(ctx: MonitorContext): Promise<MonitoredProject> {
  if (ctx.project === undefined) ctx.project = await monitoredProject(ctx.db, ctx.state.target.projectId);
  return ctx.project;
}

export const iso = (at: number) => new Date(at).toISOString();

const STEP_ICONS: Record<IncidentAction["action"], string> = {
  restart: "🔄",
  rollback: "↩️",
  agent: "🛠",
  ask: "❓",
  mute: "🔕",
};

/** Records a step on the incident and shows it in the owner's "down" message (while it is open). */
export async function logStep(
  ctx: MonitorContext,
  incidentId: string,
  action: IncidentAction,
): Promise<void> {
  await recordIncidentAction(ctx.db, incidentId, action);
  const message = ctx.state.message;
  if (!message || ctx.state.health.incident?.id !== incidentId) return;
  const who = action.by === "owner" ? " (by you)" : "";
  message.steps.push(`${STEP_ICONS[action.action]} ${action.action}${who}: ${action.outcome}`);
  await editDownMessage(ctx, true);
}

export async function editDownMessage(ctx: MonitorContext, withButtons: boolean): Promise<void> {
  const { state } = ctx;
  const project = await projectOf(ctx);
  if (!state.message || !project?.telegramId) return;
  const html = downMessage(project.name, state.target.url, state.health.failures, state.message.steps);
  const keyboard = withButtons ? incidentKeyboard(state.target.projectId) : [];
  await editUserNotice(ctx.env, project.telegramId, state.message.id, html, keyboard);
}
