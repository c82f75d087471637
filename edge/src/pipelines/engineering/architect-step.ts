/**
 * The Architect as workflow steps: the catalog read ("templates": the project's own template, or
 * the ready ones to choose from), waiting while a built-in template's check has not finished (the
 * check is an executor's inspect job; "templates: wait <n>"), then one model step ("architect")
 * whose value is everything the Architect decided (the template, the spec, the answers), so a
 * replayed run reads it back instead of asking again. The spec is stored on the project, its cost
 * booked to the run.
 */

import type { ProjectSpec } from "@codegen-orchestrator/shared";
import { database } from "../../db/client.ts";
import { type ProjectToBuild, specUpdate } from "../../domain/pipeline-projects.ts";
import { type ArchitectCatalog, architectCatalog } from "../../domain/template-catalog.ts";
import { modelConfigured } from "../../models/client.ts";
import { launchTemplateCheck } from "../../templates/launch.ts";
import { modelStep } from "../steps/model-step.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import { type ArchitectCatalogView, type ArchitectResult, architect } from "./architect.ts";

type Specified = { spec: ProjectSpec; error: null } | { spec: null; error: string };

/** How long the Architect waits for the built-in templates' checks: about ten minutes in all. */
const CATALOG_WAITS = 45;
const waitSeconds = (n: number) => Math.min(2 ** n, 15);

/** The spec, or the reason there is none (the run then ends with it). */
export async function architectStep(pipeline: Pipeline, project: ProjectToBuild): Promise<Specified> {
  const { env, projectId } = pipeline;
  // Without a model nothing is worth waiting for: the step below fails at once, saying what to set.
  const catalog = modelConfigured(env) ? await catalogStage(pipeline) : null;
  if (catalog && "error" in catalog) return { spec: null, error: catalog.error };
  return modelStep<ArchitectResult, Specified>(pipeline, "architect", {
    source: "architect",
    call: async () => architect(env, project, await pipeline.chat.conversationBrief(), catalog),
    writes: (db, { spec }) => [specUpdate(db, projectId, spec)],
    end: ({ spec }) => ({
      detail: {
        ...(spec.template ? { template: spec.template.name } : {}),
        modules: spec.modules,
        criteria: spec.acceptanceCriteria.length,
      },
      value: { spec, error: null },
    }),
    ifFailed: (error) => ({ spec: null, error }),
  });
}

/**
 * What the Architect chooses from, once the built-in templates' checks have ended (or the wait
 * ran out: then the ready ones); null when the project has a repository and no template.
 */
async function catalogStage(pipeline: Pipeline): Promise<ArchitectCatalogView | null | { error: string }> {
  const { env, step, projectId } = pipeline;
  for (let n = 0; ; n++) {
    const catalog: ArchitectCatalog = await step.do(n ? `templates ${n}` : "templates", async () => {
      const read = await architectCatalog(database(env.DB), projectId);
      // A built-in template registered by a pipeline has no check yet: starting one is idempotent.
      if (n === 0 && read.kind === "templates")
        for (const id of read.checking) await launchTemplateCheck(env, id);
      return read;
    });
    if (catalog.kind === "error") return { error: catalog.error };
    if (catalog.kind === "none") return null;
    const { kept, offered, checking } = catalog;
    if (checking.length === 0 || n >= CATALOG_WAITS) {
      if (offered.length) return { kept, offered };
      return {
        error:
          "No template of the catalog is ready: the built-in templates' checks have not finished (they need an executor of the default pool).",
      };
    }
    if (n === 0) await pipeline.progress("architect", "📐 Waiting for the template catalog's check…");
    await step.sleep(`templates: wait ${n + 1}`, waitSeconds(n) * 1000);
  }
}
