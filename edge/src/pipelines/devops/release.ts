/**
 * The release of an inspected commit on its placement: the deployment recorded, the `ansible`
 * deploy job, the health check from an executor; then the report (the service is live), or, when
 * the deploy or the health check failed, the previous release restored and an incident opened.
 */
import { DEFAULT_MONITOR_INTERVAL_S } from "@codegen-orchestrator/shared";
import { database } from "../../db/client.ts";
import { type Deployment, finishDeployment, runCost, startDeployment } from "../../domain/deployments.ts";
import type { ProjectToDeploy } from "../../domain/pipeline-projects.ts";
import { type Placement, recordFirstHostKey } from "../../domain/placements.ts";
import { watchRelease } from "../../monitors/watch.ts";
import { jobStep } from "../steps/job-step.ts";
import { failed, type Pipeline, type RunOutcome } from "../steps/pipeline-workflow.ts";
import { hostKeyProblem } from "./allocate.ts";
import type { ServiceEnv } from "./analyze-env.ts";
import { deployJob, healthJob, proxyRoute, rollbackJob } from "./deploy.ts";
import { deployPlacement, type Inspected, releaseOf } from "./inspect.ts";

export interface Release {
  project: ProjectToDeploy & { repoUrl: string };
  placement: Placement;
  inspected: Inspected;
  env: ServiceEnv;
}

/** Why a release is not live: an incident's kind and what the user reads. */
interface Failure {
  kind: "deploy_failed" | "health_failed";
  message: string;
}

export async function release(pipeline: Pipeline, unplanned: Release): Promise<RunOutcome> {
  // A project only Compose can run asks the server for Compose, which it may not allow.
  const placed = deployPlacement(unplanned.inspected, unplanned.placement);
  if ("error" in placed) return failed(placed.error);
  const planned = { ...unplanned, placement: placed };
  const { project, placement, inspected } = planned;
  const deployment: Deployment = await pipeline.step.do("deploy: record", () =>
    startDeployment(database(pipeline.env.DB), {
      projectId: pipeline.projectId,
      runId: pipeline.runId,
      serverId: placement.serverId,
      commit: inspected.commit,
      url: placement.url,
    }),
  );
  const hostKey = hostKeyProblem(placement);
  if (hostKey) return failed(hostKey);
  const failure =
    (await deploy(pipeline, planned)) ?? (await checkHealth(pipeline, placement, inspected.healthPath));
  if (failure) return restore(pipeline, planned, deployment, failure);
  return report(pipeline, planned, deployment, project.name);
}

/** The "deploy" job (and the server's first host key, when the admin allowed recording it). */
async function deploy(pipeline: Pipeline, planned: Release): Promise<Failure | null> {
  const { project, placement, inspected, env } = planned;
  await pipeline.progress(
    "deploy",
    `🚚 Deploying ${inspected.commit.slice(0, 12)} to ${placement.serverName}…`,
  );
  const deployed = await jobStep(pipeline, "deploy", {
    kind: "ansible",
    ...deployJob({
      projectId: pipeline.projectId,
      resourceName: project.resourceName,
      repoUrl: project.repoUrl,
      ...releaseOf(inspected),
      placement,
      plain: env.plain,
      secretNames: env.secretNames,
    }),
    summarize: (output) => ({
      detail: { failure: output.failure?.task ?? null, hostKeyRecorded: output.acceptedHostKey !== null },
    }),
  });
  const presented = deployed.output?.acceptedHostKey;
  if (presented && !placement.knownHosts)
    await pipeline.step.do("deploy: record host key", () =>
      recordFirstHostKey(database(pipeline.env.DB), placement.serverId, presented, pipeline.runId),
    );
  if (deployed.status === "succeeded") return null;
  const why = deployed.output?.failure
    ? `${deployed.output.failure.task}: ${deployed.output.failure.message}`
    : (deployed.error ?? deployed.status);
  return { kind: "deploy_failed", message: `The deploy failed at ${why.slice(0, 500)}` };
}

/** HealthCheck: from an executor, as a user would reach the service. */
async function checkHealth(
  pipeline: Pipeline,
  placement: Placement,
  healthPath: string,
): Promise<Failure | null> {
  await pipeline.progress("health", `🩺 Checking ${placement.url}${healthPath}…`);
  const health = await jobStep(pipeline, "health", {
    kind: "exec",
    spec: healthJob(placement, healthPath),
  });
  if (health.status === "succeeded") return null;
  return {
    kind: "health_failed",
    message: `${placement.url}${healthPath} did not answer 200: ${health.error ?? health.status}`,
  };
}

/** Live: the deployment supersedes the one before, and the user reads where, and what it cost. */
async function report(
  pipeline: Pipeline,
  planned: Release,
  deployment: Deployment,
  name: string,
): Promise<RunOutcome> {
  const { placement, inspected, project } = planned;
  const cost = await pipeline.step.do("deploy: done", async () => {
    const db = database(pipeline.env.DB);
    await finishDeployment(db, deployment, "deployed");
    await watchRelease(pipeline.env, {
      projectId: pipeline.projectId,
      deploymentId: deployment.id,
      commit: inspected.commit,
      serverId: placement.serverId,
      resourceName: project.resourceName,
      pool: pipeline.pool,
      port: placement.port,
      url: placement.url,
      route: proxyRoute(placement),
      healthPath: inspected.healthPath,
      healthRetries: inspected.retries,
      intervalS: project.monitorIntervalS ?? DEFAULT_MONITOR_INTERVAL_S,
    });
    return runCost(db, pipeline.projectId, pipeline.runId);
  });
  const costs = `model and agent costs so far $${cost.project.toFixed(4)} (this deploy $${cost.run.toFixed(4)})`;
  return {
    status: "succeeded",
    icon: "🚀",
    summary: `${name} is live: ${placement.url}\nCommit ${inspected.commit.slice(0, 12)} · ${costs}`,
  };
}

/** A failed release: the previous one restored (if there is one), an incident opened, the user told. */
async function restore(
  pipeline: Pipeline,
  planned: Release,
  deployment: Deployment,
  failure: Failure,
): Promise<RunOutcome> {
  const { project, placement, inspected } = planned;
  let outcome = "";
  // A previous deployment on another server was never touched by this one: nothing to restore.
  const elsewhere = deployment.previousServerId && deployment.previousServerId !== placement.serverId;
  if (deployment.previousId && elsewhere)
    outcome = " The previous deployment, on another server, is untouched.";
  else if (deployment.previousId) {
    await pipeline.progress("rollback", "↩️ Restoring the previous release…");
    const rollback = await jobStep(pipeline, "rollback", {
      kind: "ansible",
      ...rollbackJob(
        project.resourceName,
        placement,
        inspected.healthPath,
        deployment.previousCommit ?? null,
        inspected.retries,
      ),
    });
    outcome =
      rollback.status === "succeeded"
        ? " The previous release was restored."
        : " Restoring the previous release failed too.";
  }
  const message = `${failure.message}${outcome}`;
  await pipeline.step.do("deploy: failed", async () => {
    await finishDeployment(database(pipeline.env.DB), deployment, "failed", { kind: failure.kind, message });
  });
  return failed(`${message} Look at the job logs (/projects → Logs), fix, and deploy again.`);
}
