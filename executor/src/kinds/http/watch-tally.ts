/**
 * What an `http_watch` has seen so far, as its result will say it: the checks per UTC day (counts
 * and latencies), the last check, and the failed checks in a row (excerpts kept only for those).
 */
import {
  type HttpCheckResult,
  type HttpWatchResult,
  healthyStatus,
  WATCH_DAY_SAMPLES,
  type WatchedCheck,
  type WatchedDay,
} from "@codegen-orchestrator/shared";

export class WatchTally {
  #checks = 0;
  readonly #days: WatchedDay[] = [];
  #last: WatchedCheck | null = null;
  #failures: WatchedCheck[] = [];

  /** The failed checks in a row so far. */
  get failing(): number {
    return this.#failures.length;
  }

  add(at: number, got: HttpCheckResult): void {
    const healthy = healthyStatus(got.status);
    const check: WatchedCheck = {
      at: new Date(at).toISOString(),
      status: got.status,
      error: got.error,
      latencyMs: got.latencyMs,
      excerpt: healthy ? "" : got.excerpt,
      ...(got.certificate ? { certificate: got.certificate } : {}),
    };
    this.#checks++;
    this.#last = check;
    this.#failures = healthy ? [] : [...this.#failures, check].slice(-20);
    const day = this.#dayOf(check.at.slice(0, 10));
    day.checks++;
    if (!healthy) day.failures++;
    day.latencies.push(Math.round(got.latencyMs));
    if (day.latencies.length > WATCH_DAY_SAMPLES) day.latencies.shift();
  }

  result(ended: HttpWatchResult["ended"]): HttpWatchResult {
    // A watch longer than a day would cross more midnights than a result holds: keep the newest.
    return {
      ended,
      checks: this.#checks,
      days: this.#days.slice(-3),
      last: this.#last,
      failures: this.#failures,
    };
  }

  #dayOf(day: string): WatchedDay {
    const current = this.#days.at(-1);
    if (current?.day === day) return current;
    const started: WatchedDay = { day, checks: 0, failures: 0, latencies: [] };
    this.#days.push(started);
    return started;
  }
}
