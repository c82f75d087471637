/**
 * The pipelines' Cloudflare Workflows (`[[workflows]]` in wrangler.toml): which one carries out a
 * run, and what its instance is started with. The instance's id is the run's id.
 */
import type { RunKind } from "@codegen-orchestrator/shared";
import type { WorkflowBinding } from "../env.ts";

export type { WorkflowBinding };

/**
 * The workflow that carries out a run of this kind: the engineering one builds and upgrades, the
 * DevOps one deploys and undeploys.
 */
export const workflowOf = (run: { kind: RunKind }): WorkflowBinding =>
  run.kind === "engineering" || run.kind === "upgrade" ? "ENGINEERING_WORKFLOW" : "DEVOPS_WORKFLOW";

/** What a pipeline workflow instance is started with (its id is the run's id). */
export interface RunParams {
  runId: string;
  projectId: string;
  /** The DevOps workflow deploys, or undeploys (`undeploy`); absent in instances started before. */
  kind?: RunKind;
  /** A fix run's brief (runs.brief): the engineering graph then fixes the deployed code. */
  brief?: string;
}

export const runParams = (run: {
  id: string;
  projectId: string;
  kind: RunKind;
  brief?: string | null;
}): RunParams => ({
  runId: run.id,
  projectId: run.projectId,
  kind: run.kind,
  ...(run.brief ? { brief: run.brief } : {}),
});
