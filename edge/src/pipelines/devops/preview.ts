/**
 * A branch's preview, carried out by the DevOps workflow: a run of kind `preview` deploys the
 * branch's head commit beside the production release, on the same server, in place (no rollback:
 * a failed preview stays failed until it is deployed again or removed); a run of kind
 * `preview_teardown` removes it (domain/previews.ts records both).
 *
 *   start → inspect <branch> → allocate (its own port) → analyze env → secrets
 *     → deploy (its own user, directory and proxy site; no production-only secret) → health → report
 *   plan → undeploy <server> → release (its port, its row)
 */
import { DEFAULT_POOL } from "@codegen-orchestrator/shared";
import { database } from "../../db/client.ts";
import { deployedServer } from "../../domain/deployments.ts";
import { type ProjectToDeploy, projectToDeploy } from "../../domain/pipeline-projects.ts";
import { allocationOf, type Placement, placementOf } from "../../domain/placements.ts";
import { previewService } from "../../domain/preview-names.ts";
import { type PreviewRow, previewDeployed, previewOfRun, previewRemoved } from "../../domain/previews.ts";
import { markRunning } from "../../domain/run-steps.ts";
import { productionOnlySecrets } from "../../domain/secrets.ts";
import { jobStep } from "../steps/job-step.ts";
import { failed, type Pipeline, type RunContext, type RunOutcome } from "../steps/pipeline-workflow.ts";
import { templateManifestStep } from "../steps/template-manifest.ts";
import { timelineStep } from "../steps/timeline.ts";
import { serviceEnvironment } from "./analyze-env.ts";
import { deployJob, healthJob, undeployJob } from "./deploy.ts";
import { deployPlacement, inspect, releaseOf } from "./inspect.ts";

/** Memory reserved for a preview on its server (as for a project's service). */
const PREVIEW_MEMORY_MB = 256;

type Placed = { placement: Placement } | { error: string };

type Started = { preview: PreviewRow; project: ProjectToDeploy } | { error: string };

/** The `preview` run: the branch deployed at the preview's URL. */
export async function deployPreview(base: RunContext): Promise<RunOutcome> {
  const started = await base.step.do("start", async (): Promise<Started> => {
    const db = database(base.env.DB);
    await markRunning(db, base.runId);
    const preview = await previewOfRun(db, base.runId);
    const project = await projectToDeploy(db, base.projectId);
    if (!preview) return { error: "The preview was removed meanwhile." };
    if (!project?.repoUrl) return { error: "The project no longer exists, or has no repository." };
    return { preview, project };
  });
  if ("error" in started) return failed(started.error);
  const { preview, project } = started;
  const pipeline: Pipeline = { ...base, pool: project.pool || DEFAULT_POOL };
  const outcome = await deployBranch(pipeline, preview, project, project.repoUrl as string);
  await pipeline.step.do("preview: record", async () => {
    const commit = outcome.status === "succeeded" ? outcome.commit : null;
    await previewDeployed(database(pipeline.env.DB), preview, {
      status: outcome.status === "succeeded" ? "live" : "failed",
      commit,
    });
  });
  if (outcome.status !== "succeeded") return failed(outcome.error);
  return {
    status: "succeeded",
    icon: "🔎",
    summary: `The preview of ${preview.branch} (${project.name}) is live: ${preview.url}\nCommit ${outcome.commit.slice(0, 12)} · until ${preview.expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC (or its branch merged or deleted, or DELETE /projects/{id}/previews/${encodeURIComponent(preview.branch)})`,
  };
}

type Deployed = { status: "succeeded"; commit: string } | { status: "failed"; error: string };

async function deployBranch(
  pipeline: Pipeline,
  preview: PreviewRow,
  project: ProjectToDeploy,
  repoUrl: string,
): Promise<Deployed> {
  const manifest = await templateManifestStep(pipeline);
  const inspected = await inspect(pipeline, {
    repoUrl,
    resourceName: project.resourceName,
    manifest,
    ref: preview.branch,
  });
  if ("error" in inspected) return { status: "failed", error: inspected.error };

  const placed = await timelineStep<Placed>(pipeline, "allocate", async (db) => {
    const outcome = await placePreview(pipeline, preview, project.ownerId, db);
    if ("error" in outcome) return { status: "failed", detail: { error: outcome.error }, value: outcome };
    const { serverName, port, url } = outcome.placement;
    return { status: "succeeded", detail: { server: serverName, port, url }, value: outcome };
  });
  if ("error" in placed) return { status: "failed", error: `Allocation failed: ${placed.error}` };
  const placement = deployPlacement(inspected, placed.placement);
  if ("error" in placement) return { status: "failed", error: placement.error };
  if (!placement.knownHosts)
    return { status: "failed", error: "Its server has no pinned host key: deploy the project itself first." };
  await pipeline.progress("allocate", `📍 ${placement.serverName}, port ${placement.port}`);

  const env = await serviceEnvironment(pipeline, project, inspected, placement);
  if ("error" in env) return { status: "failed", error: env.error };
  // What only production gets stays out of the preview's environment.
  const secretNames = await timelineStep(pipeline, "preview env", async (db) => {
    const withheld = await productionOnlySecrets(db, pipeline.projectId, env.secretNames);
    const given = env.secretNames.filter((name) => !withheld.has(name));
    return { status: "succeeded", detail: { secrets: given, withheld: [...withheld] }, value: given };
  });

  await pipeline.progress(
    "deploy",
    `🚚 Deploying ${preview.branch} (${inspected.commit.slice(0, 12)}) to ${placement.serverName}…`,
  );
  const deployed = await jobStep(pipeline, "deploy", {
    kind: "ansible",
    ...deployJob({
      projectId: pipeline.projectId,
      resourceName: preview.resourceName,
      repoUrl,
      ...releaseOf(inspected),
      placement,
      plain: env.plain,
      secretNames,
    }),
    summarize: (output) => ({ detail: { failure: output.failure?.task ?? null } }),
  });
  if (deployed.status !== "succeeded") {
    const why = deployed.output?.failure
      ? `${deployed.output.failure.task}: ${deployed.output.failure.message}`
      : (deployed.error ?? deployed.status);
    return { status: "failed", error: `The preview's deploy failed at ${why.slice(0, 500)}` };
  }
  await pipeline.progress("health", `🩺 Checking ${placement.url}${inspected.healthPath}…`);
  const health = await jobStep(pipeline, "health", {
    kind: "exec",
    spec: healthJob(placement, inspected.healthPath),
  });
  if (health.status !== "succeeded")
    return {
      status: "failed",
      error: `${placement.url}${inspected.healthPath} did not answer 200: ${health.error ?? health.status}`,
    };
  return { status: "succeeded", commit: inspected.commit };
}

/**
 * The preview's own port on its server (allocated once, reused by its later deploys), and the
 * placement with its own site: `<slug>--<project>.<base domain>`, never the custom domain.
 */
async function placePreview(
  pipeline: Pipeline,
  preview: PreviewRow,
  ownerId: string,
  db: Parameters<typeof placementOf>[0],
): Promise<Placed> {
  const service = previewService(preview.slug);
  let allocation = await allocationOf(db, preview.projectId, service);
  if (!allocation) {
    const outcome = await pipeline.env.ALLOCATOR.getByName("global").allocate(
      {
        projectId: preview.projectId,
        service,
        serverId: preview.serverId,
        labels: {},
        memoryMb: PREVIEW_MEMORY_MB,
      },
      ownerId,
    );
    if (!outcome.ok) return { error: outcome.message };
    allocation = outcome.allocation;
  }
  const placement = await placementOf(db, preview.projectId, allocation);
  if (!placement?.proxy) return { error: "Its server no longer exists, or has no base domain." };
  const proxy = { ...placement.proxy, domains: [new URL(preview.url).hostname] };
  // A preview restarts in place on its own port: the standby port is production's.
  return { placement: { ...placement, proxy, url: preview.url, standbyPort: null } };
}

/** The `preview_teardown` run: the preview's service, user, files and site gone, then its port. */
export async function removePreviewRun(base: RunContext): Promise<RunOutcome> {
  const plan = await timelineStep(base, "plan", async (db) => {
    await markRunning(db, base.runId);
    const preview = await previewOfRun(db, base.runId);
    const server = preview ? await deployedServer(db, preview.serverId) : null;
    const project = await projectToDeploy(db, base.projectId);
    if (!preview || !server) return { status: "failed", detail: { error: "no such preview" }, value: null };
    const detail = { branch: preview.branch, server: server.name, resourceName: preview.resourceName };
    return { status: "succeeded", detail, value: { preview, server, pool: project?.pool || DEFAULT_POOL } };
  });
  if (!plan) return failed("The preview was removed already.");
  const { preview, server } = plan;
  const pipeline: Pipeline = { ...base, pool: plan.pool };
  if (!server.knownHosts)
    return failed(`${server.name} has no pinned host key (an admin sets its knownHosts).`);
  await pipeline.progress("undeploy", `🧹 Removing the preview of ${preview.branch} from ${server.name}…`);
  const removed = await jobStep(pipeline, `undeploy ${server.name}`, {
    kind: "ansible",
    ...undeployJob(preview.resourceName, server),
    summarize: (output) => ({ detail: { server: server.name, failure: output.failure?.task ?? null } }),
  });
  if (removed.status !== "succeeded") {
    const why = removed.output?.failure
      ? `${removed.output.failure.task}: ${removed.output.failure.message}`
      : (removed.error ?? removed.status);
    return failed(
      `Removing the preview of ${preview.branch} from ${server.name} failed (its port stays allocated): ${why.slice(0, 300)}`,
    );
  }
  const port = await timelineStep(pipeline, "release", async (db) => {
    const released = await previewRemoved(db, preview);
    return { status: "succeeded", detail: { port: released }, value: released };
  });
  return {
    status: "succeeded",
    icon: "🧹",
    summary: `The preview of ${preview.branch} is removed from ${server.name}${port ? `; port ${port} released` : ""}.`,
  };
}
