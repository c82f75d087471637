/**
 * Starting and stopping a run's workflow. A run is launched through a chat agent (`runWorkflow`),
 * so that its progress reaches a chat: the chat that started it, else its owner's Telegram chat,
 * else an agent of the owner's with no chat. The workflow instance's id is the run's id, so a
 * second launch of the same run finds the first.
 */

import { ACTIVE_RUN_STATUSES } from "@codegen-orchestrator/shared";
import { getAgentByName } from "agents";
import { and, eq, inArray, isNotNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { database } from "../db/client.ts";
import { deployments, portAllocations, projects, runSteps, runs, users } from "../db/schema.ts";
import type { Deletion } from "../domain/project-deletion.ts";
import { type RunRow, startRun } from "../domain/runs.ts";
import type { Env } from "../env.ts";
import { executorHub } from "../executors/hub.ts";
import type { WorkflowBinding } from "../executors/job-events.ts";
import type { RunParams } from "./workflows.ts";

/** What launches a workflow: the ChatSession agent (`launchRun`). */
export interface Launcher {
  launchRun(workflow: WorkflowBinding, runId: string, params: RunParams): Promise<void>;
}

/** The workflow that carries out a run of this kind (the DevOps one deploys and undeploys). */
export const workflowOf = (run: Pick<RunRow, "kind">): WorkflowBinding =>
  run.kind === "engineering" ? "ENGINEERING_WORKFLOW" : "DEVOPS_WORKFLOW";

async function sessionNameFor(db: Db, run: RunRow): Promise<string> {
  if (run.chatId !== null) return String(run.chatId);
  const [owner] = await db
    .select({ id: users.id, telegramId: users.telegramId })
    .from(projects)
    .innerJoin(users, eq(users.id, projects.ownerId))
    .where(eq(projects.id, run.projectId));
  if (owner?.telegramId) return String(owner.telegramId);
  return `user-${owner?.id ?? "unknown"}`;
}

/** Starts the run's workflow (idempotent); a kind without a pipeline yet stays queued. */
export async function launchRun(env: Env, db: Db, run: RunRow, launcher?: Launcher): Promise<void> {
  const workflow = workflowOf(run);
  if (!workflow) return;
  const agent = launcher ?? (await getAgentByName(env.CHAT_SESSION, await sessionNameFor(db, run)));
  await agent.launchRun(workflow, run.id, { runId: run.id, projectId: run.projectId, kind: run.kind });
  await db.update(runs).set({ workflowInstanceId: run.id }).where(eq(runs.id, run.id));
}

/** Terminates a cancelled run's workflow, if it has one still running, and cancels its jobs. */
export async function stopRun(env: Env, run: RunRow): Promise<void> {
  const workflow = workflowOf(run);
  if (!workflow || run.workflowInstanceId === null) return;
  try {
    const binding = env[workflow];
    if (binding) await (await binding.get(run.workflowInstanceId)).terminate();
  } catch (err) {
    // Already finished or terminated: nothing to stop.
    console.warn(JSON.stringify({ event: "run.stop", runId: run.id, error: String(err) }));
  }
  const db = database(env.DB);
  const open = await db
    .select({ jobId: runSteps.jobId })
    .from(runSteps)
    .where(and(eq(runSteps.runId, run.id), eq(runSteps.status, "running"), isNotNull(runSteps.jobId)));
  const hub = executorHub(env);
  for (const { jobId } of open) if (jobId) await hub.cancel(jobId);
  if (open.length > 0)
    await db
      .update(runSteps)
      .set({ status: "failed", detail: { jobStatus: "cancelled" }, finishedAt: new Date() })
      .where(and(eq(runSteps.runId, run.id), eq(runSteps.status, "running")));
  if (run.kind === "devops") await releaseUnusedPorts(db, run.projectId);
}

/**
 * A cancelled deploy of a project that has nothing deployed gives its ports back; a deployed
 * project keeps them (its service still runs on them, and the next deploy reuses them). A deleted
 * project's ports are its deletion's or its undeploy run's to release, once its service is gone.
 */
async function releaseUnusedPorts(db: Db, projectId: string): Promise<void> {
  const [project] = await db
    .select({ deletedAt: projects.deletedAt })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!project || project.deletedAt) return;
  const [live] = await db
    .select({ id: deployments.id })
    .from(deployments)
    .where(and(eq(deployments.projectId, projectId), eq(deployments.status, "deployed")))
    .limit(1);
  if (!live) await db.delete(portAllocations).where(eq(portAllocations.projectId, projectId));
}

/**
 * After `deleteProject`, outside a chat (the API): the cancelled runs' workflows terminated and
 * their jobs cancelled, and the undeploy launched. A launch that fails leaves the run queued; the
 * cron launches it again.
 */
export async function settleDeletion(env: Env, db: Db, deletion: Deletion): Promise<void> {
  for (const run of deletion.cancelled) await stopRun(env, run);
  if (!deletion.undeploy) return;
  try {
    await launchRun(env, db, deletion.undeploy);
  } catch (err) {
    console.error(
      JSON.stringify({ event: "run.launch_failed", runId: deletion.undeploy.id, error: String(err) }),
    );
  }
}

/**
 * After a successful engineering run: the project's DevOps run, started as its owner would, in the
 * same chat. Idempotent: a DevOps run already in progress is the one (launching it again is a no-op).
 */
export async function startDeploy(
  env: Env,
  engineeringRunId: string,
  projectId: string,
): Promise<{ runId: string; error: null } | { runId: null; error: string }> {
  const db = database(env.DB);
  const [active] = await db
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.projectId, projectId),
        eq(runs.kind, "devops"),
        inArray(runs.status, [...ACTIVE_RUN_STATUSES]),
      ),
    )
    .limit(1);
  let run = active;
  if (!run) {
    const [owner] = await db
      .select({ userId: users.id, role: users.role, chatId: runs.chatId })
      .from(runs)
      .innerJoin(projects, eq(projects.id, runs.projectId))
      .innerJoin(users, eq(users.id, projects.ownerId))
      .where(eq(runs.id, engineeringRunId));
    if (!owner) return { runId: null, error: "the project's owner is gone" };
    run = await startRun(db, { userId: owner.userId, role: owner.role }, projectId, "devops", owner.chatId);
  }
  try {
    await launchRun(env, db, run);
  } catch (err) {
    return {
      runId: null,
      error: `the deploy could not start (${String(err).slice(0, 200)}); use Deploy on the project's card`,
    };
  }
  return { runId: run.id, error: null };
}
