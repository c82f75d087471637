/**
 * Starting template checks: one `TemplateCheckWorkflow` instance per template, named by its id, so
 * a second start finds the first. The API starts a registration's check at once; the cron starts
 * those that never started (a failed start, a built-in template registered by a pipeline) and
 * settles those whose workflow ended without recording an answer.
 */
import type { CreateTemplate } from "@codegen-orchestrator/shared";
import type { Db } from "../db/client.ts";
import { database } from "../db/client.ts";
import type { Actor } from "../domain/actor.ts";
import { repoUrlPolicy } from "../domain/repo-urls.ts";
import { pendingTemplateChecks, recordTemplateCheck } from "../domain/template-checks.ts";
import { createTemplate, ensureBuiltinTemplates, type TemplateRow } from "../domain/templates.ts";
import type { Env } from "../env.ts";

/** Starts the template's check (idempotent: an instance that exists is the check). */
export async function launchTemplateCheck(env: Env, templateId: string): Promise<void> {
  try {
    await env.TEMPLATE_CHECK_WORKFLOW.create({ id: templateId, params: { templateId } });
  } catch (err) {
    if (!/already/i.test(String(err))) throw err;
  }
}

/** Registers a template (the domain's rules and audit) and starts its check; what the API and the console call. */
export async function registerTemplate(
  env: Env,
  db: Db,
  actor: Actor,
  input: CreateTemplate,
): Promise<TemplateRow> {
  await ensureBuiltinTemplatesChecked(env, db);
  const row = await createTemplate(db, actor, input, repoUrlPolicy(env));
  try {
    await launchTemplateCheck(env, row.id);
  } catch (err) {
    // Registered all the same: the cron starts the check a minute later.
    console.error(JSON.stringify({ event: "template.check_launch_failed", id: row.id, error: String(err) }));
  }
  return row;
}

/** Registers the built-in templates on the catalog's first use, and starts their checks. */
export async function ensureBuiltinTemplatesChecked(env: Env, db: Db): Promise<void> {
  for (const id of await ensureBuiltinTemplates(db)) {
    try {
      await launchTemplateCheck(env, id);
    } catch (err) {
      // The cron starts it later.
      console.error(
        JSON.stringify({ event: "template.check_launch_failed", templateId: id, error: String(err) }),
      );
    }
  }
}

/** A check is left alone this long after its registration: its own start comes first. */
const START_GRACE_MS = 60_000;

/**
 * For each template still `checking` a minute after its registration: starts its check when it
 * has no workflow; marks it invalid when its workflow ended without an answer. Returns how many
 * it started or settled.
 */
export async function settleTemplateChecks(env: Env, now = new Date()): Promise<number> {
  const db = database(env.DB);
  const pending = await pendingTemplateChecks(db, new Date(now.getTime() - START_GRACE_MS), 50);
  let acted = 0;
  for (const { id } of pending) {
    try {
      const state = await instanceStatus(env, id);
      if (state === null) {
        await launchTemplateCheck(env, id);
        acted++;
      } else if (["errored", "terminated", "complete"].includes(state.status)) {
        const why = state.error?.message ? `: ${state.error.message.slice(0, 300)}` : "";
        const message = `The check ended without an answer (${state.status}${why}); register the template again.`;
        if (await recordTemplateCheck(db, id, { status: "invalid", problem: { message } })) acted++;
      }
    } catch (err) {
      console.error(JSON.stringify({ task: "settleTemplateChecks", templateId: id, error: String(err) }));
    }
  }
  return acted;
}

/** The check's workflow status, or null when it has no instance. */
async function instanceStatus(env: Env, id: string): Promise<InstanceStatus | null> {
  let instance: WorkflowInstance;
  try {
    instance = await env.TEMPLATE_CHECK_WORKFLOW.get(id);
  } catch (err) {
    if (/not.?found/i.test(String(err))) return null;
    throw err;
  }
  return instance.status();
}
