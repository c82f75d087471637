/**
 * The template catalog's manifest for the run's project, read once in a workflow step (so a
 * replayed run hands its jobs the same one): what the jobs that make the project's profile carry
 * (the DevOps inspect step, the Tester) for a repository without an `orchestrator.json`. Null
 * when the project records no template, or its template has none: the jobs then are as before.
 */
import type { CatalogManifest } from "@codegen-orchestrator/shared";
import { database } from "../../db/client.ts";
import { projectTemplateManifest } from "../../domain/template-manifests.ts";
import type { Pipeline } from "./pipeline-workflow.ts";

export const templateManifestStep = (pipeline: Pipeline): Promise<CatalogManifest | null> =>
  pipeline.step.do("template manifest", () =>
    projectTemplateManifest(database(pipeline.env.DB), pipeline.projectId),
  );
