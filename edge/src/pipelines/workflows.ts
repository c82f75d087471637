import type { RunKind } from "@codegen-orchestrator/shared";

/** What a pipeline workflow instance is started with (its id is the run's id). */
export interface RunParams {
  runId: string;
  projectId: string;
  /** The DevOps workflow deploys, or undeploys (`undeploy`); absent in instances started before. */
  kind?: RunKind;
}

/** What a pipeline reports to its chat: a line for the run's status message. */
export interface RunProgress {
  runId: string;
  stage: string;
  text: string;
}
