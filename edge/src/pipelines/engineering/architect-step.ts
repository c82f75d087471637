/** The Architect as a workflow step: the spec written from the conversation and stored on the project, its cost booked. */

import type { ProjectSpec } from "@codegen-orchestrator/shared";
import { specUpdate } from "../../domain/pipeline-projects.ts";
import { modelStep } from "../steps/model-step.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import { type ArchitectResult, writeSpec } from "./architect.ts";

type Specified = { spec: ProjectSpec; error: null } | { spec: null; error: string };

/** The spec, or the reason there is none (the run then ends with it). */
export function architectStep(
  pipeline: Pipeline,
  project: { name: string; description: string },
): Promise<Specified> {
  const { env, projectId } = pipeline;
  return modelStep<ArchitectResult, Specified>(pipeline, "architect", {
    source: "architect",
    call: async () => writeSpec(env, project, await pipeline.chat.conversationBrief()),
    writes: (db, { spec }) => [specUpdate(db, projectId, spec)],
    end: ({ spec }) => ({
      detail: { modules: spec.modules, criteria: spec.acceptanceCriteria.length },
      value: { spec, error: null },
    }),
    ifFailed: (error) => ({ spec: null, error }),
  });
}
