/**
 * `http_watch` jobs: a GET of the health URL (get.ts) every `intervalMs`, every `confirmMs` after
 * a failure, until `threshold` failures in a row (ended `failing`, reported at once) or its time
 * is up (`elapsed`, with the counts and latencies). It never ends inside a run of failures that
 * has not decided yet, except when the daemon drains or the job's deadline nears: then it reports
 * what it has, and its monitor judges the failures itself. No log: the result is the record.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { HttpWatchSpec } from "@codegen-orchestrator/shared";
import type { Runner } from "../../jobs/runner.ts";
import { getHealth } from "./get.ts";
import { WatchTally } from "./watch-tally.ts";

/** Reported this long before the job's deadline, so the result is never lost to `timed_out`. */
const DEADLINE_MARGIN_MS = 2_000;

export const runHttpWatch: Runner<HttpWatchSpec> = async (spec, context) => {
  const lastCall = context.deadlineAt - DEADLINE_MARGIN_MS;
  const stop = context.draining ? AbortSignal.any([context.signal, context.draining]) : context.signal;
  const tally = new WatchTally();
  // The watch before it checked a moment ago: the interval goes on from there.
  if (spec.firstCheckInMs > 0) await sleep(spec.firstCheckInMs, undefined, { signal: stop }).catch(() => {});
  if (context.signal.aborted) return { status: "cancelled", output: undefined };
  if (stop.aborted) return { status: "succeeded", output: tally.result("elapsed") };
  const endAt = Date.now() + spec.durationMs;
  for (;;) {
    const at = Date.now();
    const got = await getHealth(spec.url, spec.timeoutMs, context.signal, spec);
    if (!got) return { status: "cancelled", output: undefined };
    tally.add(at, got);
    if (tally.failing >= spec.threshold) return { status: "succeeded", output: tally.result("failing") };
    const next = at + (tally.failing > 0 ? spec.confirmMs : spec.intervalMs);
    if ((tally.failing === 0 && next > endAt) || next > lastCall || stop.aborted)
      return { status: "succeeded", output: tally.result("elapsed") };
    await sleep(Math.max(0, next - Date.now()), undefined, { signal: stop }).catch(() => {});
    if (context.signal.aborted) return { status: "cancelled", output: undefined };
    if (stop.aborted) return { status: "succeeded", output: tally.result("elapsed") };
  }
};
