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
import { assertAdminActor } from "../domain/actor.ts";
import { auditInsert } from "../domain/audit.ts";
import { conflict } from "../domain/errors.ts";
import { repoUrlPolicy } from "../domain/repo-urls.ts";
import {
  beginRecheck,
  dueRechecks,
  pendingTemplateChecks,
  recordTemplateCheck,
} from "../domain/template-checks.ts";
import {
  createTemplate,
  ensureBuiltinTemplates,
  findTemplate,
  type TemplateRow,
} from "../domain/templates.ts";
import type { Env } from "../env.ts";
import { templateSettings } from "../settings/templates.ts";

/** The workflow instance of a template's check round: the registration's is named by the template's id. */
const checkInstanceId = (templateId: string, round: number) =>
  round === 0 ? templateId : `${templateId}-r${round}`;

/** Starts a round of the template's check (idempotent: an instance that exists is the check). */
export async function launchTemplateCheck(env: Env, templateId: string, round = 0): Promise<void> {
  try {
    await env.TEMPLATE_CHECK_WORKFLOW.create({
      id: checkInstanceId(templateId, round),
      params: round === 0 ? { templateId } : { templateId, round },
    });
  } catch (err) {
    if (!/already/i.test(String(err))) throw err;
  }
}

/**
 * Checks a ready git template again for a newer release (an admin, or the cron): the next round,
 * whose newer release offers the template's projects their upgrade. The template stays ready (and
 * offered to the Architect) meanwhile. Returns the template as it is now.
 */
export async function recheckTemplate(env: Env, db: Db, actor: Actor, id: string): Promise<TemplateRow> {
  assertAdminActor(actor);
  const template = await findTemplate(db, actor, id);
  const round = await beginRecheck(db, template.id);
  if (round === null)
    throw conflict(
      `Template ${template.name} is ${template.sourceKind === "git" ? template.status : "built in"}: only a ready git template is checked for a newer release.`,
    );
  await auditInsert(db, actor.userId, {
    action: "template.check",
    targetType: "template",
    targetId: template.id,
    details: { round },
  });
  await launchTemplateCheck(env, template.id, round);
  return template;
}

/** The cron: ready git templates not checked for TEMPLATE_RECHECK_HOURS are checked again (a few per tick). */
export async function recheckDueTemplates(env: Env, now = new Date()): Promise<number> {
  const hours = templateSettings.read(env).TEMPLATE_RECHECK_HOURS;
  if (hours <= 0) return 0;
  const db = database(env.DB);
  let started = 0;
  for (const { id } of await dueRechecks(db, new Date(now.getTime() - hours * 3_600_000), 10)) {
    try {
      const round = await beginRecheck(db, id);
      if (round === null) continue;
      await launchTemplateCheck(env, id, round);
      started++;
    } catch (err) {
      console.error(JSON.stringify({ task: "recheckDueTemplates", templateId: id, error: String(err) }));
    }
  }
  return started;
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
