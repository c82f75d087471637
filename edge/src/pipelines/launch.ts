/**
 * Starting and stopping a run's workflow. `launchRun` is the one way a run starts, from the chat,
 * the API, the cron and a finished engineering run alike: the workflow is started from a chat agent
 * (the agents SDK's `runWorkflow`, which runs inside the agent) so that its progress reaches that
 * chat: the chat that started the run, else its owner's Telegram chat, else an agent of the owner's
 * with no chat. The workflow instance's id is the run's id, so a second launch finds the first.
 */
import { getAgentByName } from "agents";
import type { Db } from "../db/client.ts";
import { database } from "../db/client.ts";
import { releaseUnusedPorts } from "../domain/deployments.ts";
import { projectOwner } from "../domain/pipeline-projects.ts";
import type { Deletion } from "../domain/project-deletion.ts";
import { failRunningSteps, runningStepJobs } from "../domain/run-steps.ts";
import { recordWorkflowInstance } from "../domain/run-workflows.ts";
import type { RunRow } from "../domain/runs.ts";
import type { Env } from "../env.ts";
import { executorHub } from "../executors/hub.ts";
import { type RunParams, runParams, type WorkflowBinding, workflowOf } from "./workflows.ts";

/** Where a workflow is started from: the chat agent itself, or its stub (the SDK's `runWorkflow`). */
export interface WorkflowHost {
  runWorkflow(workflow: WorkflowBinding, params: RunParams, options: { id: string }): Promise<unknown>;
}

/** The name of the chat agent a run reports to (a chat's agent is named by the chat's id). */
async function runChatName(db: Db, run: RunRow): Promise<string> {
  if (run.chatId !== null) return String(run.chatId);
  const owner = await projectOwner(db, run.projectId);
  if (owner?.telegramId) return String(owner.telegramId);
  return `user-${owner?.id ?? "unknown"}`;
}

/**
 * Starts the run's workflow (idempotent) and records its instance on the run. `host`: the chat
 * agent the call comes from, when it is the run's; else the run's chat agent is looked up.
 */
export async function launchRun(env: Env, db: Db, run: RunRow, host?: WorkflowHost): Promise<void> {
  const chat = host ?? (await getAgentByName(env.CHAT_SESSION, await runChatName(db, run)));
  try {
    await chat.runWorkflow(workflowOf(run), runParams(run), { id: run.id });
  } catch (err) {
    // Launched before (a retried launch, the cron's relaunch): that instance is the run's.
    if (!/already/i.test(String(err))) throw err;
  }
  await recordWorkflowInstance(db, run.id);
}

/** Terminates a cancelled run's workflow, if it has one still running, and cancels its jobs. */
export async function stopRun(env: Env, run: RunRow): Promise<void> {
  if (run.workflowInstanceId === null) return;
  try {
    await (await env[workflowOf(run)].get(run.workflowInstanceId)).terminate();
  } catch (err) {
    // Already finished or terminated: nothing to stop.
    console.warn(JSON.stringify({ event: "run.stop", runId: run.id, error: String(err) }));
  }
  const db = database(env.DB);
  const jobs = await runningStepJobs(db, run.id);
  const hub = executorHub(env);
  for (const jobId of jobs) await hub.cancel(jobId);
  if (jobs.length > 0) await failRunningSteps(db, run.id);
  if (run.kind === "devops") await releaseUnusedPorts(db, run.projectId);
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
