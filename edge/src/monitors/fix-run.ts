/**
 * "Let the agent fix it": the monitor starts an engineering run for the project, as its owner and
 * reporting to the owner's chat, whose brief is the incident's evidence (fix-brief.ts). The run
 * fixes the code, its tests pass, and it starts the normal DevOps run, whose deploy the monitor
 * watches: a healthy check then closes the incident. While the run (or the redeploy it started) is
 * in progress the policy waits; the monitor learns that it ended from D1 at its alarms
 * (`fixProgress`), nothing waits in memory. Functions here return whether the policy moves on:
 * the caller moves it (recovery.ts owns the policy).
 */
import { ACTIVE_RUN_STATUSES } from "@codegen-orchestrator/shared";
import { incidentEvidence } from "../domain/incidents.ts";
import { projectOwner, projectToBuild } from "../domain/pipeline-projects.ts";
import { activeRunOf, devopsRunAfter, runById } from "../domain/run-workflows.ts";
import { type RunRow, startRun } from "../domain/runs.ts";
import { launchRun } from "../pipelines/launch.ts";
import { fixBrief } from "./fix-brief.ts";
import { iso, logStep, type MonitorContext } from "./incident-log.ts";

export interface FixStarted {
  /** What the owner is told when they pressed the button. */
  answer: string;
  /** The step could not run: the policy takes its next one (a policy's step only). */
  moveOn: boolean;
}

const active = (status: string) => (ACTIVE_RUN_STATUSES as readonly string[]).includes(status);

/**
 * Starts the fix run for the open incident; while the service's log lines are being read into its
 * evidence, once they are (`logsRead`).
 */
export async function startFix(ctx: MonitorContext, by: "policy" | "owner"): Promise<FixStarted> {
  const incident = ctx.state.health.incident;
  if (!incident) return { answer: "The service is not down: nothing to do.", moveOn: false };
  // An earlier outage's fix run (or its redeploy) still in progress: it is not replaced.
  const earlier = ctx.state.fix;
  if (earlier) {
    const why = `not started: the fix run ${earlier.runId ?? "for an earlier outage"} is still in progress`;
    await logStep(ctx, incident.id, { at: iso(ctx.now), action: "agent", by, outcome: why });
    return { answer: `The agent cannot fix it now: ${why}.`, moveOn: by === "policy" };
  }
  ctx.state.fix = { runId: null, incidentId: incident.id, by };
  if (ctx.state.logs?.incidentId === incident.id)
    return { answer: "Letting the agent fix it once the service's logs are read…", moveOn: false };
  return launchFix(ctx);
}

/** The service's log lines were read (or could not be): a fix run waiting for them starts. */
export async function logsRead(ctx: MonitorContext): Promise<boolean> {
  if (!ctx.state.fix || ctx.state.fix.runId !== null) return false;
  return (await launchFix(ctx)).moveOn;
}

async function launchFix(ctx: MonitorContext): Promise<FixStarted> {
  const { db, state } = ctx;
  const fix = state.fix;
  if (!fix) return { answer: "", moveOn: false };
  const projectId = state.target.projectId;
  const notStarted = async (why: string): Promise<FixStarted> => {
    state.fix = null;
    await logStep(ctx, fix.incidentId, { at: iso(ctx.now), action: "agent", by: fix.by, outcome: why });
    return { answer: `The agent cannot fix it: ${why}.`, moveOn: fix.by === "policy" };
  };
  const running = await activeRunOf(db, projectId, "engineering");
  if (running) return notStarted(`not started: engineering run ${running.id} is in progress`);
  const owner = await projectOwner(db, projectId);
  if (!owner) return notStarted("not possible: the project's owner is gone");
  const project = await projectToBuild(db, projectId);
  if (!project?.spec || !project.repoUrl)
    return notStarted("not possible: the project has no spec to keep (no engineering run built it)");
  const brief = fixBrief(
    `${state.target.url}${state.target.healthPath}`,
    await incidentEvidence(db, fix.incidentId),
  );
  let run: RunRow;
  try {
    run = await startRun(
      db,
      { userId: owner.id, role: owner.role },
      projectId,
      "engineering",
      owner.telegramId,
      brief,
    );
  } catch (err) {
    return notStarted(`not possible: ${String(err).slice(0, 200)}`);
  }
  try {
    await launchRun(ctx.env, db, run);
  } catch (err) {
    // The run stays queued: the cron launches it again.
    console.error(JSON.stringify({ event: "monitor.fix_launch", runId: run.id, error: String(err) }));
  }
  state.fix = { ...fix, runId: run.id };
  await logStep(ctx, fix.incidentId, {
    at: iso(ctx.now),
    action: "agent",
    by: fix.by,
    outcome: `engineering run ${run.id} started`,
  });
  return { answer: `Letting the agent fix it: engineering run ${run.id} started.`, moveOn: false };
}

/**
 * At an alarm, while a fix run is pending: still in progress (the run, or the DevOps run it
 * started) → nothing; ended → recorded on its incident, and whether the policy moves on (a
 * policy's fix run that did not succeed, its incident still open).
 */
export async function fixProgress(ctx: MonitorContext): Promise<boolean> {
  const { db, state } = ctx;
  const fix = state.fix;
  if (!fix?.runId) return false;
  const run = await runById(db, fix.runId);
  if (run && active(run.status)) return false;
  // A succeeded fix run started the redeploy: the DevOps run after it.
  const deploy = run?.status === "succeeded" ? await devopsRunAfter(db, run.projectId, run.id) : undefined;
  if (deploy && active(deploy.status)) return false;
  state.fix = null;
  const status = run?.status ?? "gone";
  const why = run?.error ? `: ${run.error.slice(0, 200)}` : "";
  const redeploy = deploy
    ? `; redeploy (devops run ${deploy.id}) ${deploy.status}`
    : status === "succeeded"
      ? "; no redeploy started"
      : "";
  await logStep(ctx, fix.incidentId, {
    at: iso(ctx.now),
    action: "agent",
    by: fix.by,
    outcome: `engineering run ${fix.runId} ${status}${why}${redeploy}`,
  });
  const fixed = status === "succeeded" && deploy?.status === "succeeded";
  return !fixed && fix.by === "policy" && state.health.incident?.id === fix.incidentId;
}
