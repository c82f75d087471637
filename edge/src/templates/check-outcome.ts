/**
 * What an inspect job's end means for the template: its inspection makes it `ready`; the engine's
 * structured failure (an unparsable copier.yml, an unknown directory, a repository that cannot be
 * cloned, no tag matching the constraint) makes it `invalid` with the engine's words, file and
 * line; a job that did not finish makes it `invalid` saying so.
 */
import { CopierInspection, ScaffoldFailure } from "@codegen-orchestrator/shared";
import type { TemplateCheckOutcome } from "../domain/template-checks.ts";
import type { JobOutcomeRow } from "../executors/job-requests.ts";

function parsedResult(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function checkOutcome(job: JobOutcomeRow | null): TemplateCheckOutcome {
  if (!job)
    return {
      status: "invalid",
      problem: { message: "The check's job was lost; register the template again." },
    };
  const result = parsedResult(job.result);
  if (job.status === "succeeded") {
    const inspection = CopierInspection.safeParse(result);
    if (inspection.success) return { status: "ready", inspection: inspection.data };
  }
  const failure = ScaffoldFailure.safeParse(result);
  if (failure.success) {
    const { code, message, file, line } = failure.data.error;
    return {
      status: "invalid",
      problem: { code, message, ...(file ? { file } : {}), ...(line ? { line } : {}) },
    };
  }
  const why = job.error ? `: ${job.error.slice(0, 1000)}` : "";
  return { status: "invalid", problem: { message: `The check ended ${job.status}${why}` } };
}
