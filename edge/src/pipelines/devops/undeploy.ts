/**
 * The undeploy graph: a run of kind `undeploy`, queued by deleting a project that left something
 * outside D1 and carried out by the DevOps workflow. It works from what D1 recorded, the project
 * row being deleted already:
 *
 *   plan → undeploy <server> (the `undeploy_project` playbook, per server it was deployed to)
 *        → release (its ports, except where its service could not be removed)
 *        → archive repository (when the GitHub App hosts it)
 *
 * A server that cannot be cleaned (unreachable, no pinned host key, the play failed) keeps the
 * project's ports there, and the run fails saying so; the rest still happens.
 */
import { database } from "../../db/client.ts";
import { beginStep, endStep, markRunning } from "../../domain/run-steps.ts";
import { GitHubError } from "../../github/app.ts";
import { jobStep, type Pipeline } from "../steps/job-step.ts";
import type { RunEnd } from "../steps/pipeline-workflow.ts";
import { archiveRepository } from "../steps/repository.ts";
import { undeployJob } from "./deploy.ts";
import { releaseAfterUndeploy, type UndeployPlan, undeployPlan } from "./teardown.ts";

/** What the workflow lends the graph: its chat progress and the run's end. */
export interface GraphControls {
  progress(stage: string, text: string): Promise<void>;
  finish(status: RunEnd, error: string | null, summary?: string): Promise<unknown>;
}

/** GitHub's own failures are tried again (the step's retries); a refusal fails the step with its reason. */
const GITHUB_RETRIES = {
  retries: { limit: 4, delay: "10 seconds" as const, backoff: "exponential" as const },
};

export async function undeployProject(
  base: Omit<Pipeline, "pool">,
  controls: GraphControls,
): Promise<unknown> {
  const { env, step, runId, projectId } = base;
  const plan: UndeployPlan | null = await step.do("plan", async () => {
    const db = database(env.DB);
    await markRunning(db, runId);
    await beginStep(db, runId, "plan");
    const found = await undeployPlan(env, db, projectId);
    await endStep(
      db,
      runId,
      "plan",
      found ? "succeeded" : "failed",
      found
        ? { servers: found.servers.map((server) => server.name), repository: found.repository }
        : { error: "no such project" },
    );
    return found;
  });
  if (!plan) return controls.finish("failed", "The project no longer exists.");
  const pipeline: Pipeline = { ...base, pool: plan.pool };

  const problems: string[] = [];
  const failedServers: string[] = [];
  for (const server of plan.servers) {
    const name = `undeploy ${server.name}`;
    if (!server.knownHosts) {
      // Never connect to whatever answers: without a pinned key there is no knowing it is ours.
      await step.do(`${name}: no host key`, async () => {
        const db = database(env.DB);
        await beginStep(db, runId, name);
        await endStep(db, runId, name, "failed", { server: server.name, error: "no pinned host key" });
      });
      failedServers.push(server.id);
      problems.push(`${server.name} has no pinned host key (an admin sets its knownHosts)`);
      continue;
    }
    await controls.progress("undeploy", `🧹 Removing ${plan.name} from ${server.name}…`);
    const removed = await jobStep(pipeline, name, {
      kind: "ansible",
      ...undeployJob(plan.resourceName, server),
      summarize: (output) => ({ detail: { server: server.name, failure: output.failure?.task ?? null } }),
    });
    if (removed.status !== "succeeded") {
      failedServers.push(server.id);
      const why = removed.output?.failure
        ? `${removed.output.failure.task}: ${removed.output.failure.message}`
        : (removed.error ?? removed.status);
      problems.push(`${server.name}: ${why.slice(0, 300)}`);
    }
  }

  const ports = await step.do("release", async () => {
    const db = database(env.DB);
    await beginStep(db, runId, "release");
    const outcome = await releaseAfterUndeploy(db, projectId, failedServers);
    await endStep(db, runId, "release", "succeeded", { ...outcome });
    return outcome;
  });

  let archived: string | null = null;
  if (plan.repository) {
    await controls.progress("archive", `🗄 Archiving ${plan.repository}…`);
    const outcome = await archiveStep(pipeline, plan.repository);
    if (outcome.error) problems.push(`the repository was not archived: ${outcome.error}`);
    else if (outcome.archived) archived = outcome.archived;
  }

  if (problems.length > 0) {
    const held =
      ports.kept.length > 0
        ? ` Ports ${ports.kept.join(", ")} stay allocated to the deleted project (its service may still hold them): once the server is cleaned up, an admin releases them (DELETE /allocations/{id}).`
        : "";
    return controls.finish("failed", `Undeploying ${plan.name} failed: ${problems.join("; ")}.${held}`);
  }
  const done = [
    plan.servers.length > 0 ? `removed from ${plan.servers.map((server) => server.name).join(", ")}` : null,
    ports.released.length > 0 ? `ports ${ports.released.join(", ")} released` : null,
    archived ? `${archived} archived` : null,
  ].filter((part) => part !== null);
  return controls.finish("succeeded", null, `${plan.name}: ${done.join("; ") || "nothing to remove"}.`);
}

/**
 * The "archive repository" step: the repository's `owner/name` when it was archived (null when it
 * was gone already), or why it could not be.
 */
async function archiveStep(
  pipeline: Pipeline,
  repository: string,
): Promise<{ archived: string | null; error: string | null }> {
  const { env, step, runId } = pipeline;
  const name = "archive repository";
  try {
    return await step.do(name, GITHUB_RETRIES, async () => {
      const db = database(env.DB);
      await beginStep(db, runId, name);
      try {
        const outcome = await archiveRepository(env, repository);
        await endStep(db, runId, name, "succeeded", { ...outcome });
        return { archived: outcome.archived ? outcome.fullName : null, error: null };
      } catch (err) {
        if (err instanceof GitHubError && err.transient) throw err;
        const error = (err as Error).message;
        await endStep(db, runId, name, "failed", { error });
        return { archived: null, error };
      }
    });
  } catch (err) {
    // The retries are spent on GitHub's own failures (or no answer).
    const error = (err as Error).message;
    await step.do(`${name}: failed`, async () => {
      await endStep(database(env.DB), runId, name, "failed", { error });
    });
    return { archived: null, error };
  }
}
