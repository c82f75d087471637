/**
 * `TemplateCheckWorkflow`: a catalog registration checked by an executor. One instance per
 * template and round (the registration's id is the template's; a later round's `<id>-r<n>`): read
 * the source, submit a `copier` inspect job, wait for its end, record `ready` (the questions, the
 * version) or `invalid` (why, with file and line). A later round that finds a newer release offers
 * the template's projects their upgrade (upgrade-offers.ts).
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
import { recordTemplateCheck, templateRelease, templateToCheck } from "../domain/template-checks.ts";
import type { Env } from "../env.ts";
import { executorHub } from "../executors/hub.ts";
import { waitForJobEnd } from "../pipelines/steps/job-wait.ts";
import { checkOutcome } from "./check-outcome.ts";
import { offerUpgrades } from "./upgrade-offers.ts";

export interface TemplateCheckParams {
  templateId: string;
  /** 0 (absent): the registration's check; n: the n-th check for a newer release. */
  round?: number;
}

/** A clone of a large template may take a while; reading copier.yml does not. */
const CHECK_TIMEOUT_MS = 10 * 60_000;

export class TemplateCheckWorkflow extends WorkflowEntrypoint<Env, TemplateCheckParams> {
  override async run(event: WorkflowEvent<TemplateCheckParams>, step: WorkflowStep) {
    const { templateId, round = 0 } = event.payload;
    const before = await step.do("source", async () => {
      const db = database(this.env.DB);
      const source = await templateToCheck(db, templateId, round);
      return source ? { source, release: await templateRelease(db, templateId) } : null;
    });
    if (!before) return { templateId, status: null };
    const { source } = before;
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
      return recordTemplateCheck(database(this.env.DB), templateId, checkOutcome(job), round);
    });
    if (round > 0 && status === "ready") {
      const offered = await step.do("offer upgrades", async () => {
        const release = await templateRelease(database(this.env.DB), templateId);
        return release !== before.release ? offerUpgrades(this.env, templateId) : 0;
      });
      return { templateId, status, offered };
    }
    return { templateId, status };
  }
}
