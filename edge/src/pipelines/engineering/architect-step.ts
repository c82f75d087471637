/** The Architect as a workflow step: spec written, stored on the project, its cost booked, the timeline closed. */

import type { WorkflowStep } from "cloudflare:workers";
import type { ProjectSpec } from "@codegen-orchestrator/shared";
import { eq } from "drizzle-orm";
import { database } from "../../db/client.ts";
import { projects } from "../../db/schema.ts";
import { costInsert } from "../../domain/costs.ts";
import { beginStep, endStep } from "../../domain/run-steps.ts";
import type { Env } from "../../env.ts";
import { writeSpec } from "./architect.ts";

export interface ArchitectInput {
  runId: string;
  projectId: string;
  project: { name: string; description: string };
  /** The conversation, from the run's chat agent. */
  brief: () => Promise<string>;
}

/** The spec, or the reason there is none (the run then ends with it). */
export function architectStep(
  env: Env,
  step: WorkflowStep,
  input: ArchitectInput,
): Promise<{ spec: ProjectSpec; error: null } | { spec: null; error: string }> {
  const { runId, projectId } = input;
  return step.do("architect", async () => {
    const db = database(env.DB);
    await beginStep(db, runId, "architect");
    try {
      const { spec, costUsd, usage } = await writeSpec(env, input.project, await input.brief());
      const now = new Date();
      await db.batch([
        db
          .update(projects)
          .set({ spec, modules: spec.modules, updatedAt: now })
          .where(eq(projects.id, projectId)),
        costInsert(db, { source: "architect", amountUsd: costUsd, usage, projectId, runId }),
      ]);
      const detail = { modules: spec.modules, criteria: spec.acceptanceCriteria.length };
      await endStep(db, runId, "architect", "succeeded", detail, costUsd);
      return { spec, error: null };
    } catch (err) {
      // A refused or unusable answer ends the run with its reason (the SDK already retried model errors).
      const error = err instanceof Error ? err.message : String(err);
      await endStep(db, runId, "architect", "failed", { error: error.slice(0, 500) });
      return { spec: null, error };
    }
  });
}
