/**
 * What a monitor makes of the checks reported to it: a single check (a failing service's
 * `http_check`) or a watch's report (a healthy service's hour of `http_watch`, or the failures in
 * a row that ended it). The history gets the counts and latencies, `last` the newest check, and
 * each check that decides something goes through the judge, whose decisions recovery.ts applies.
 */
import {
  type CheckEvidence,
  type HttpCheckResult,
  type HttpWatchResult,
  healthyStatus,
  type WatchedCheck,
} from "@codegen-orchestrator/shared";
import { writeDay } from "../domain/monitor-days.ts";
import { projectSecretMasker } from "../domain/secret-masking.ts";
import { newId } from "../ids.ts";
import { recordCheck, recordWatch } from "./history.ts";
import type { MonitorContext } from "./incident-log.ts";
import { judge } from "./judge.ts";
import type { MonitorState } from "./monitor-state.ts";
import { apply } from "./recovery.ts";

/** The event's context; the project (its policy) is read only when a check may need it. */
export type ContextFor = (withPolicy: boolean) => Promise<MonitorContext>;

const evidenceOf = (check: WatchedCheck): CheckEvidence => ({
  at: check.at,
  status: check.status,
  error: check.error,
  excerpt: check.excerpt,
  ...(check.certificate ? { certificate: check.certificate } : {}),
});

/** One check's result, as the monitor received it. */
export async function checkReported(state: MonitorState, result: HttpCheckResult, contextFor: ContextFor) {
  const check: WatchedCheck = { at: new Date().toISOString(), ...result };
  if (healthyStatus(check.status)) check.excerpt = "";
  const ctx = await judged(state, [check], check, contextFor);
  state.checks++;
  const day = recordCheck(state.day, ctx.now, {
    latencyMs: result.latencyMs,
    healthy: healthyStatus(check.status),
  });
  if (day.ended) await writeDay(ctx.db, state.target.projectId, day.ended);
  state.day = day.stats;
  if (day.write) {
    await writeDay(ctx.db, state.target.projectId, state.day);
    state.day.unwritten = 0;
  }
}

/** A watch's report: its days written at once, the failures it ended on judged in order. */
export async function watchReported(state: MonitorState, result: HttpWatchResult, contextFor: ContextFor) {
  const ctx = await judged(state, result.failures, result.last, contextFor);
  const { stats, ended } = recordWatch(state.day, result.days);
  for (const day of ended) await writeDay(ctx.db, state.target.projectId, day);
  state.day = { ...stats, unwritten: 0 };
  if (result.checks > 0) await writeDay(ctx.db, state.target.projectId, state.day);
  state.checks += result.checks;
}

/** `checks` judged in order (their excerpts masked with the project's secrets), `last` kept. */
async function judged(
  state: MonitorState,
  checks: readonly WatchedCheck[],
  last: WatchedCheck | null,
  contextFor: ContextFor,
): Promise<MonitorContext> {
  const failing = checks.some((check) => !healthyStatus(check.status));
  // A healthy check of a healthy service decides nothing: the policy is not read.
  const ctx = await contextFor(failing || state.health.incident !== null);
  const excerpts = [...checks, ...(last ? [last] : [])].some((check) => check.excerpt !== "");
  const mask = excerpts
    ? await projectSecretMasker(ctx.env, ctx.db, state.target.projectId)
    : (text: string) => text;
  const masked = (check: WatchedCheck) => ({ ...evidenceOf(check), excerpt: mask(check.excerpt) });
  for (const check of checks) {
    const busy = Boolean(state.recovery || state.fix);
    const verdict = judge(state.health, masked(check), ctx.now, ctx.config, newId, busy);
    state.health = verdict.health;
    await apply(ctx, verdict.decisions);
  }
  if (last) state.last = masked(last);
  return ctx;
}
