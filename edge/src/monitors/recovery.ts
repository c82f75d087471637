/**
 * What a monitor's decisions do outside it: incidents in D1, the owner's messages, the recovery
 * jobs, the fix runs (fix-run.ts). Each function takes the monitor's state, changes it in place,
 * and never throws for a message that could not be sent (the incident in D1 is the record; the
 * chat is a courtesy).
 */
import type { RecoveryStep } from "@codegen-orchestrator/shared";
import { notifyUser } from "../chat/notices.ts";
import { switchLiveDeployment } from "../domain/deployments.ts";
import { openServiceIncident, resolveIncident } from "../domain/incidents.ts";
import { executorHub } from "../executors/hub.ts";
import { startFix } from "./fix-run.ts";
import { editDownMessage, iso, logStep, type MonitorContext, projectOf } from "./incident-log.ts";
import { evidenceLogsJob, recoveryJob } from "./jobs.ts";
import { type Decision, nextStep, type OpenIncident, type RecoveryJobKind } from "./judge.ts";
import { askMessage, downMessage, incidentKeyboard, recoveredMessage } from "./messages.ts";

/** Starts a restart or rollback job, or logs why it cannot run (and moves the policy on). */
export async function startRecovery(
  ctx: MonitorContext,
  kind: RecoveryJobKind,
  by: "policy" | "owner",
): Promise<void> {
  const incident = ctx.state.health.incident;
  if (!incident) return;
  const planned = await recoveryJob(ctx.db, ctx.state.target, kind);
  if ("error" in planned) {
    await logStep(ctx, incident.id, {
      at: iso(ctx.now),
      action: kind,
      by,
      outcome: `not possible: ${planned.error}`,
    });
    if (by === "policy") await policyMoves(ctx);
    return;
  }
  const record = await executorHub(ctx.env).submit(planned.job);
  ctx.state.recovery = {
    jobId: record.job.id,
    kind,
    by,
    incidentId: incident.id,
    restores: planned.restores,
  };
}

/** The policy's next step, taken now (the last one could not run or failed). */
export async function policyMoves(ctx: MonitorContext): Promise<void> {
  const moved = nextStep(ctx.state.health, ctx.now, ctx.config);
  ctx.state.health = moved.health;
  await apply(ctx, moved.decisions);
}

export async function apply(ctx: MonitorContext, decisions: Decision[]): Promise<void> {
  for (const decision of decisions) {
    if (decision.kind === "open") await opened(ctx, decision);
    else if (decision.kind === "resolve") await resolved(ctx, decision.incident);
    else await recover(ctx, decision.step);
  }
}

async function opened(ctx: MonitorContext, decision: Extract<Decision, { kind: "open" }>): Promise<void> {
  const { state } = ctx;
  const { incident, evidence } = decision;
  const url = `${state.target.url}${state.target.healthPath}`;
  await openServiceIncident(ctx.db, {
    id: incident.id,
    projectId: state.target.projectId,
    deploymentId: state.target.deploymentId,
    message: `${url} failed ${evidence.length} checks in a row.`,
    checks: evidence,
    startedAt: incident.startedAt,
    openedAt: incident.openedAt,
  });
  const project = await projectOf(ctx);
  const html = downMessage(project?.name ?? state.target.resourceName, state.target.url, evidence, []);
  const id = await notifyUser(
    ctx.env,
    project?.telegramId ?? null,
    html,
    incidentKeyboard(state.target.projectId),
  );
  state.message = id === null ? null : { id, steps: [] };
  const logs = await evidenceLogsJob(ctx.db, state.target);
  if (logs) state.logs = { jobId: (await executorHub(ctx.env).submit(logs)).job.id, incidentId: incident.id };
}

async function resolved(ctx: MonitorContext, incident: OpenIncident): Promise<void> {
  const { state } = ctx;
  await resolveIncident(ctx.db, incident.id, ctx.now);
  const project = await projectOf(ctx);
  if (state.message) {
    state.message.steps.push("✅ healthy again");
    await editDownMessage(ctx, false);
  }
  state.message = null;
  if (incident.stopped === "muted") return;
  const times = { detectMs: incident.openedAt - incident.startedAt, recoverMs: ctx.now - incident.startedAt };
  await notifyUser(
    ctx.env,
    project?.telegramId ?? null,
    recoveredMessage(project?.name ?? state.target.resourceName, state.target.url, times),
  );
}

async function recover(ctx: MonitorContext, step: RecoveryStep): Promise<void> {
  const incident = ctx.state.health.incident;
  if (!incident) return;
  if (step === "restart" || step === "rollback") return startRecovery(ctx, step, "policy");
  if (step === "agent") {
    if ((await startFix(ctx, "policy")).moveOn) await policyMoves(ctx);
    return;
  }
  const project = await projectOf(ctx);
  await logStep(ctx, incident.id, {
    at: iso(ctx.now),
    action: "ask",
    by: "policy",
    outcome: "the owner was asked",
  });
  await notifyUser(
    ctx.env,
    project?.telegramId ?? null,
    askMessage(project?.name ?? ctx.state.target.resourceName, ctx.state.message?.steps ?? []),
    incidentKeyboard(ctx.state.target.projectId),
  );
}

/**
 * A recovery job ended: recorded on its incident (even one that closed meanwhile: the service
 * answered before the job's own health wait ended); a rollback's restored deployment is live; a
 * policy's step that failed moves the policy on while the incident is open.
 */
export async function recoveryEnded(ctx: MonitorContext, outcome: { status: string; error: string | null }) {
  const job = ctx.state.recovery;
  if (!job) return;
  ctx.state.recovery = null;
  const ok = outcome.status === "succeeded";
  const why = ok ? "" : `: ${(outcome.error ?? "").slice(0, 300)}`;
  const restored = ok && job.restores ? ` (commit ${job.restores.commit.slice(0, 12)} is live)` : "";
  await logStep(ctx, job.incidentId, {
    at: iso(ctx.now),
    action: job.kind,
    by: job.by,
    outcome: `${outcome.status}${why}${restored}`,
  });
  if (ok && job.restores) {
    await switchLiveDeployment(ctx.db, ctx.state.target.deploymentId, job.restores.id);
    ctx.state.target = { ...ctx.state.target, deploymentId: job.restores.id, commit: job.restores.commit };
  }
  if (!ok && job.by === "policy" && ctx.state.health.incident?.id === job.incidentId) await policyMoves(ctx);
}

/** The owner mutes the incident: no more automatic steps, no "recovered" message. */
export async function mute(ctx: MonitorContext): Promise<void> {
  const incident = ctx.state.health.incident;
  if (!incident) return;
  incident.stopped = "muted";
  await logStep(ctx, incident.id, {
    at: iso(ctx.now),
    action: "mute",
    by: "owner",
    outcome: "no more automatic steps",
  });
}
