/**
 * `EngineeringWorkflow`: one Cloudflare Workflows instance per engineering run (its id is the
 * run's id), started from the run's chat agent (`launchRun`) so that progress reaches the chat.
 * Every side effect is a step; a restart resumes after the last completed one.
 *
 *   Architect (the template and the spec, from the conversation) → Preparer (scaffold with the
 *     template's answers, repository, first commit)
 *     → Developer and Tester in turns until the tests pass (or the user decides) → start the deploy
 *
 * A fix run (a service monitor's "let the agent fix it": the run has a brief, the incident's
 * evidence) keeps the project's spec and repository: no Architect, no Preparer; the Developer's
 * first iteration gets the brief, and the rest is the same. An `upgrade` run takes the upgrade
 * graph instead (../upgrade/graph.ts).
 */
import { DEFAULT_POOL, type ProjectSpec } from "@codegen-orchestrator/shared";
import type { AgentWorkflowEvent, AgentWorkflowStep } from "agents/workflows";
import { database } from "../../db/client.ts";
import { type ProjectToBuild, projectToBuild } from "../../domain/pipeline-projects.ts";
import { markRunning } from "../../domain/run-steps.ts";
import type { Env } from "../../env.ts";
import { stopsAtBudget } from "../steps/budget-gate.ts";
import { failed, type Pipeline, PipelineWorkflow, type RunOutcome } from "../steps/pipeline-workflow.ts";
import { repositoryUrl } from "../steps/repository.ts";
import { templateManifestStep } from "../steps/template-manifest.ts";
import { timelineStep } from "../steps/timeline.ts";
import { upgradeProject } from "../upgrade/graph.ts";
import type { RunParams } from "../workflows.ts";
import { architectStep } from "./architect-step.ts";
import { developerConfig } from "./develop.ts";
import { developAndTest } from "./develop-and-test.ts";
import { prepareStep } from "./prepare-step.ts";
import { testerSettingsError } from "./project-code.ts";
import { startDeploy } from "./start-deploy.ts";

export class EngineeringWorkflow extends PipelineWorkflow {
  protected override readonly binding = "ENGINEERING_WORKFLOW";

  override async run(event: AgentWorkflowEvent<RunParams>, step: AgentWorkflowStep) {
    const { runId, projectId, brief, kind } = event.payload;
    const project = await step.do("start", async () => {
      const db = database(this.env.DB);
      await markRunning(db, runId);
      return projectToBuild(db, projectId);
    });
    if (!project) return this.finish(step, runId, failed("The project no longer exists."));
    // A run started before pools kept no pool in its first step: the default one.
    const pipeline = { ...this.runContext(event, step), pool: project.pool || DEFAULT_POOL };
    if (kind === "upgrade") return this.finish(step, runId, await upgradeProject(pipeline));
    return this.finish(step, runId, await stopsAtBudget(build(pipeline, project, brief ?? null)));
  }
}

/** The engineering graph, stage by stage. */
async function build(pipeline: Pipeline, project: ProjectToBuild, brief: string | null): Promise<RunOutcome> {
  const { env, step, runId, projectId } = pipeline;
  const repository = repositoryOrSettingsError(env, project);
  if ("error" in repository) return failed(repository.error);

  const architect = brief ? await fixSpec(pipeline, project) : await specify(pipeline, project);
  if (!architect.spec) return failed(architect.error);

  const prepared = await prepareStep(pipeline, project, architect.spec, repository.url);
  if ("error" in prepared) return failed(prepared.error);

  // Read once the Preparer recorded the project's template: the Tester's jobs carry its manifest.
  const manifest = await templateManifestStep(pipeline);
  const developed = await developAndTest(pipeline, {
    projectId,
    spec: prepared.spec,
    repoUrl: repository.url,
    resourceName: project.resourceName,
    commit: prepared.commit,
    manifest,
    brief,
  });
  if (developed.outcome === "failed") return failed(developed.error);
  if (developed.outcome === "stopped") return { status: "cancelled", error: developed.error };

  const deploy = await step.do("deploy: start", () => startDeploy(env, runId, projectId));
  const next = deploy.runId ? " Deploying it next." : ` It was not deployed: ${deploy.error}`;
  return { status: "succeeded", summary: `${developed.summary}${next}` };
}

type Specified = { spec: ProjectSpec; error: null } | { spec: null; error: string };

async function specify(pipeline: Pipeline, project: ProjectToBuild): Promise<Specified> {
  await pipeline.progress("architect", "📐 Writing the spec…");
  const architect = await architectStep(pipeline, project);
  return architect.spec ? architect : { spec: null, error: `The Architect failed: ${architect.error}` };
}

/** A fix run's spec: the project's own (the Architect is skipped), with its repository. */
async function fixSpec(pipeline: Pipeline, project: ProjectToBuild): Promise<Specified> {
  const { spec, repoUrl } = project;
  if (!spec || !repoUrl)
    return { spec: null, error: "A fix run needs the project's spec and repository: build it first." };
  await timelineStep(
    pipeline,
    "architect: skipped",
    async () => ({ status: "skipped" as const, detail: { spec: "kept", fix: true }, value: null }),
    { row: "architect" },
  );
  await pipeline.progress("develop", "🛠 Fixing the deployed service (its spec and repository are kept)…");
  return { spec, error: null };
}

/**
 * The project's repository URL, or why the run cannot start: the server's settings for where the
 * project's code would run are checked before any work, not at the first Developer step.
 */
function repositoryOrSettingsError(env: Env, project: ProjectToBuild): { url: string } | { error: string } {
  let url = project.repoUrl;
  try {
    url ??= repositoryUrl(env, project.resourceName);
    developerConfig(env);
  } catch (err) {
    return { error: (err as Error).message };
  }
  const tester = testerSettingsError(env);
  if (tester) return { error: tester };
  if (!url) return { error: "No repository host is configured (GITHUB_APP_ID or REPO_BASE_URL)." };
  return { url };
}
