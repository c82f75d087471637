/**
 * A monitored service's check history: the day's counts and latencies kept in its monitor's
 * storage, written to D1's `monitor_days` (domain/monitor-days.ts) (checks, failures, latency percentiles) every
 * FLUSH_EVERY checks, on a failure and when the day ends. D1 is written a tenth as often as
 * checks run, and a lost monitor loses at most the checks since the last write.
 */

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
