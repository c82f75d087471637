/**
 * The engineering graph's last stage: after a successful run, the project's DevOps run, started as
 * its owner would, in the same chat. Idempotent: a DevOps run already in progress is the one
 * (launching it again is a no-op).
 */
import { database } from "../../db/client.ts";
import { projectOwner } from "../../domain/pipeline-projects.ts";
import { activeRunOf, runChatId } from "../../domain/run-workflows.ts";
import { startRun } from "../../domain/runs.ts";
import type { Env } from "../../env.ts";
import { launchRun } from "../launch.ts";

export async function startDeploy(
  env: Env,
  engineeringRunId: string,
  projectId: string,
): Promise<{ runId: string; error: null } | { runId: null; error: string }> {
  const db = database(env.DB);
  let run = await activeRunOf(db, projectId, "devops");
  if (!run) {
    const owner = await projectOwner(db, projectId);
    if (!owner) return { runId: null, error: "the project's owner is gone" };
    run = await startRun(
      db,
      { userId: owner.id, role: owner.role },
      projectId,
      "devops",
      await runChatId(db, engineeringRunId),
    );
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
