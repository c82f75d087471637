/**
 * A monitored service's check history: the day's counts and latencies kept in its monitor's
 * storage, written to D1's `monitor_days` (domain/monitor-days.ts) (checks, failures, latency
 * percentiles). Single checks (a failing service's) are written every FLUSH_EVERY checks, on a
 * failure and when the day ends; a watch's report (a healthy service's hour) once, when it comes.
 */
import type { WatchedDay } from "@codegen-orchestrator/shared";

export interface DayStats {
  /** UTC `YYYY-MM-DD`. */
  day: string;
  checks: number;
  failures: number;
  /** The day's latencies in ms, the newest MAX_SAMPLES (a day of checks a minute apart). */
  latencies: number[];
  /** Checks since the day was last written to D1. */
  unwritten: number;
}

const MAX_SAMPLES = 1440;
export const FLUSH_EVERY = 10;

const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

export const emptyDay = (at: number): DayStats => ({
  day: dayOf(at),
  checks: 0,
  failures: 0,
  latencies: [],
  unwritten: 0,
});

/**
 * The day with one more check; `ended` is the day before when this check starts a new one (to be
 * written), and `write` says the day is due to be written.
 */
export function recordCheck(
  stats: DayStats,
  at: number,
  check: { latencyMs: number; healthy: boolean },
): { stats: DayStats; ended: DayStats | null; write: boolean } {
  const ended = stats.day !== dayOf(at) && stats.checks > 0 ? stats : null;
  const current = stats.day === dayOf(at) ? stats : emptyDay(at);
  const next: DayStats = {
    day: current.day,
    checks: current.checks + 1,
    failures: current.failures + (check.healthy ? 0 : 1),
    latencies: [...current.latencies, Math.round(check.latencyMs)].slice(-MAX_SAMPLES),
    unwritten: current.unwritten + 1,
  };
  return { stats: next, ended, write: !check.healthy || next.unwritten >= FLUSH_EVERY };
}

/**
 * The day with a watch's checks added (its days oldest first); `ended` are the days before the
 * newest (to be written), and the result is due to be written at once.
 */
export function recordWatch(
  stats: DayStats,
  days: readonly WatchedDay[],
): { stats: DayStats; ended: DayStats[] } {
  const ended: DayStats[] = [];
  let current = stats;
  for (const watched of days) {
    // A day older than the monitor's (the executor's clock behind at midnight) counts in its day.
    if (watched.day > current.day) {
      if (current.checks > 0) ended.push(current);
      current = { ...emptyDay(Date.parse(watched.day)), day: watched.day };
    }
    current = {
      day: current.day,
      checks: current.checks + watched.checks,
      failures: current.failures + watched.failures,
      latencies: [...current.latencies, ...watched.latencies].slice(-MAX_SAMPLES),
      unwritten: current.unwritten + watched.checks,
    };
  }
  return { stats: current, ended };
}
