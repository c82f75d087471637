/**
 * `TemplateCheckWorkflow`: a catalog registration checked by an executor. One instance per
 * template (its id is the template's): read the source, submit a `copier` inspect job, wait for
 * its end, record `ready` (the questions, the version) or `invalid` (why, with file and line).
 *
 * Why a workflow of its own: the check waits on an executor for as long as it takes (a queued
 * job, a clone), and job results already reach workflows as durable events (executors/job-events.ts).
 * A workflow gets the same no-twin, no-lost-result guarantees as the pipelines' steps without
 * holding an HTTP request open or adding a second delivery path to the hub. It is not a pipeline
 * run (no project, no chat, no timeline), so it is a plain `WorkflowEntrypoint`.
 */
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { DEFAULT_POOL, POOL_LABEL } from "@codegen-orchestrator/shared";
import { database } from "../db/client.ts";
import { recordTemplateCheck, templateToCheck } from "../domain/template-checks.ts";
import type { Env } from "../env.ts";
import { executorHub } from "../executors/hub.ts";
import { waitForJobEnd } from "../pipelines/steps/job-wait.ts";
import { checkOutcome } from "./check-outcome.ts";

export interface TemplateCheckParams {
  templateId: string;
}

/** A clone of a large template may take a while; reading copier.yml does not. */
const CHECK_TIMEOUT_MS = 10 * 60_000;

export class TemplateCheckWorkflow extends WorkflowEntrypoint<Env, TemplateCheckParams> {
  override async run(event: WorkflowEvent<TemplateCheckParams>, step: WorkflowStep) {
    const { templateId } = event.payload;
    const source = await step.do("source", () => templateToCheck(database(this.env.DB), templateId));
    if (!source) return { templateId, status: null };
    const submitted = await step.do("inspect: submit", async () => {
      // The default pool: a template serves every project, and an inspection needs no secrets.
      const record = await executorHub(this.env).submit({
        kind: "copier",
        spec: { inspect: true, template: source },
        labels: { [POOL_LABEL]: DEFAULT_POOL },
        timeoutMs: CHECK_TIMEOUT_MS,
        idempotencyKey: `${event.instanceId}:inspect`,
        notify: { workflow: "TEMPLATE_CHECK_WORKFLOW", instanceId: event.instanceId },
      });
      return { jobId: record.job.id, status: record.job.status as string };
    });
    await waitForJobEnd(step, this.env, "inspect", submitted);
    const status = await step.do("record", async () => {
      const job = await executorHub(this.env).outcome(submitted.jobId);
      return recordTemplateCheck(database(this.env.DB), templateId, checkOutcome(job));
    });
    return { templateId, status };
  }
}
