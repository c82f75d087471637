/**
 * The undeploy graph: a run of kind `undeploy`, queued by deleting a project that left something
 * outside D1 and carried out by the DevOps workflow. It works from what D1 recorded, the project
 * row being deleted already:
 *
 *   plan → undeploy <server> (the `undeploy_project` playbook, per server it was deployed to, and
 *          per preview of a branch there)
 *        → release (its ports, except where its service could not be removed)
 *        → return bots (its pooled Telegram bots, if any, reset once its service is gone everywhere)
 *        → archive repository (when the GitHub App hosts it)
 *
 * A server that cannot be cleaned (unreachable, no pinned host key, the play failed) keeps the
 * project's ports there, and the run fails saying so; the rest still happens.
 */
import { type DeployedServer, releaseAfterUndeploy } from "../../domain/deployments.ts";
import { dropPreviews } from "../../domain/previews.ts";
import { markRunning } from "../../domain/run-steps.ts";
import { githubStep } from "../steps/github-step.ts";
import { jobStep } from "../steps/job-step.ts";
import { failed, type Pipeline, type RunContext, type RunOutcome } from "../steps/pipeline-workflow.ts";
import { archiveRepository } from "../steps/repository.ts";
import { timelineStep } from "../steps/timeline.ts";
import { undeployJob } from "./deploy.ts";
import { returnBots } from "./pool-bots.ts";
import { type UndeployPlan, undeployPlan } from "./teardown.ts";

export async function undeployProject(base: RunContext): Promise<RunOutcome> {
  const { env, runId, projectId } = base;
  const plan = await timelineStep(base, "plan", async (db) => {
    await markRunning(db, runId);
    const found = await undeployPlan(env, db, projectId);
    if (!found) return { status: "failed", detail: { error: "no such project" }, value: null };
    const servers = found.servers.map((server) => server.name);
    return { status: "succeeded", detail: { servers, repository: found.repository }, value: found };
  });
  if (!plan) return failed("The project no longer exists.");
  const pipeline: Pipeline = { ...base, pool: plan.pool };

  const problems: string[] = [];
  const failedServers: string[] = [];
  for (const server of plan.servers) {
    const problem = await removeFrom(pipeline, plan, server);
    if (!problem) continue;
    failedServers.push(server.id);
    problems.push(problem);
  }

  const ports = await timelineStep(pipeline, "release", async (db) => {
    const outcome = await releaseAfterUndeploy(db, projectId, failedServers);
    await dropPreviews(db, projectId, failedServers);
    return { status: "succeeded", detail: { ...outcome }, value: outcome };
  });

  // A bot goes back once no server runs the service that used it.
  const bots =
    (plan.bots ?? 0) > 0 && failedServers.length === 0
      ? await timelineStep(pipeline, "return bots", async (db) => {
          const outcome = await returnBots(env, db, projectId);
          return { status: "succeeded", detail: { ...outcome }, value: outcome.returned };
        })
      : [];

  let archived: string | null = null;
  const { repository } = plan;
  if (repository) {
    await pipeline.progress("archive", `🗄 Archiving ${repository}…`);
    const outcome = await githubStep(pipeline, "archive repository", async () => {
      const archive = await archiveRepository(env, repository);
      return { detail: { ...archive }, value: archive.archived ? archive.fullName : null };
    });
    if (outcome.error) problems.push(`the repository was not archived: ${outcome.error}`);
    else archived = outcome.value;
  }

  if (problems.length > 0) {
    const held =
      ports.kept.length > 0
        ? ` Ports ${ports.kept.join(", ")} stay allocated to the deleted project (its service may still hold them): once the server is cleaned up, an admin releases them (DELETE /allocations/{id}).`
        : "";
    return failed(`Undeploying ${plan.name} failed: ${problems.join("; ")}.${held}`);
  }
  const done = [
    plan.servers.length > 0 ? `removed from ${plan.servers.map((server) => server.name).join(", ")}` : null,
    ports.released.length > 0 ? `ports ${ports.released.join(", ")} released` : null,
    bots.length > 0 ? `${bots.map((bot) => `@${bot}`).join(", ")} back in the bot pool` : null,
    archived ? `${archived} archived` : null,
  ].filter((part) => part !== null);
  return { status: "succeeded", summary: `${plan.name}: ${done.join("; ") || "nothing to remove"}.` };
}

/** Removes the project's service from one server; what went wrong there, or null. */
async function removeFrom(
  pipeline: Pipeline,
  plan: UndeployPlan,
  server: DeployedServer,
): Promise<string | null> {
  const name = `undeploy ${server.name}`;
  if (!server.knownHosts) {
    // Never connect to whatever answers: without a pinned key there is no knowing it is ours.
    const detail = { server: server.name, error: "no pinned host key" };
    await timelineStep(
      pipeline,
      `${name}: no host key`,
      async () => ({ status: "failed", detail, value: null }),
      {
        row: name,
      },
    );
    return `${server.name} has no pinned host key (an admin sets its knownHosts)`;
  }
  await pipeline.progress("undeploy", `🧹 Removing ${plan.name} from ${server.name}…`);
  // The project's own service there, then its branches' previews there.
  const previews = (plan.previews ?? []).filter((preview) => preview.serverId === server.id);
  const names = [plan.resourceName, ...previews.map((preview) => preview.resourceName)];
  for (const [index, resourceName] of names.entries()) {
    const removed = await jobStep(pipeline, index === 0 ? name : `${name}: ${resourceName}`, {
      kind: "ansible",
      ...undeployJob(resourceName, server),
      summarize: (output) => ({ detail: { server: server.name, failure: output.failure?.task ?? null } }),
    });
    if (removed.status === "succeeded") continue;
    const why = removed.output?.failure
      ? `${removed.output.failure.task}: ${removed.output.failure.message}`
      : (removed.error ?? removed.status);
    return `${server.name}${index === 0 ? "" : ` (${resourceName})`}: ${why.slice(0, 300)}`;
  }
  return null;
}
