/**
 * `DevOpsWorkflow`: one Cloudflare Workflows instance per DevOps run (its id is the run's id),
 * started from the run's chat agent (`launchRun`) so that progress reaches the chat. It deploys
 * the project, or, for an `undeploy` run, removes what a deleted project left (undeploy.ts); a
 * `preview` run deploys a branch beside it, a `preview_teardown` run removes that (preview.ts).
 *
 *   inspect (the commit, its env and manifest, else its template's) → allocate (server, port) → analyze env
 *     → secrets (generated, or asked of the user) → deploy → health → report
 *                                                      ↘ on failure: restore the previous release
 */
import { DEFAULT_POOL } from "@codegen-orchestrator/shared";
import type { AgentWorkflowEvent, AgentWorkflowStep } from "agents/workflows";
import { database } from "../../db/client.ts";
import { type ProjectToDeploy, projectToDeploy } from "../../domain/pipeline-projects.ts";
import { markRunning } from "../../domain/run-steps.ts";
import { stopsAtBudget } from "../steps/budget-gate.ts";
import { failed, type Pipeline, PipelineWorkflow, type RunOutcome } from "../steps/pipeline-workflow.ts";
import { templateManifestStep } from "../steps/template-manifest.ts";
import type { RunParams } from "../workflows.ts";
import { allocate } from "./allocate.ts";
import { serviceEnvironment } from "./analyze-env.ts";
import { inspect } from "./inspect.ts";
import { deployPreview, removePreviewRun } from "./preview.ts";
import { release } from "./release.ts";
import { undeployProject } from "./undeploy.ts";

export class DevOpsWorkflow extends PipelineWorkflow {
  protected override readonly binding = "DEVOPS_WORKFLOW";

  override async run(event: AgentWorkflowEvent<RunParams>, step: AgentWorkflowStep) {
    const { runId, projectId } = event.payload;
    if (event.payload.kind === "undeploy")
      return this.finish(step, runId, await undeployProject(this.runContext(event, step)));
    if (event.payload.kind === "preview")
      return this.finish(step, runId, await stopsAtBudget(deployPreview(this.runContext(event, step))));
    if (event.payload.kind === "preview_teardown")
      return this.finish(step, runId, await removePreviewRun(this.runContext(event, step)));
    const project = await step.do("start", async () => {
      const db = database(this.env.DB);
      await markRunning(db, runId);
      return projectToDeploy(db, projectId);
    });
    if (!project) return this.finish(step, runId, failed("The project no longer exists."));
    // A run started before pools kept no pool in its first step: the default one.
    const pipeline = { ...this.runContext(event, step), pool: project.pool || DEFAULT_POOL };
    return this.finish(step, runId, await stopsAtBudget(deploy(pipeline, project)));
  }
}

/** The deploy graph, stage by stage. */
async function deploy(pipeline: Pipeline, project: ProjectToDeploy): Promise<RunOutcome> {
  const { repoUrl } = project;
  if (!repoUrl) return failed("The project has no repository yet: build it first (an engineering run).");

  const manifest = await templateManifestStep(pipeline);
  const inspected = await inspect(pipeline, { repoUrl, resourceName: project.resourceName, manifest });
  if ("error" in inspected) return failed(inspected.error);

  const placed = await allocate(pipeline, project.ownerId);
  if ("error" in placed) return failed(placed.error);
  const { placement } = placed;

  const env = await serviceEnvironment(pipeline, project, inspected, placement);
  if ("error" in env) return failed(env.error);

  return release(pipeline, { project: { ...project, repoUrl }, placement, inspected, env });
}
