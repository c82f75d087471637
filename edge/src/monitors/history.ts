/**
 * A monitored service's check history: the day's counts and latencies kept in its monitor's
 * storage, written to D1's `monitor_days` (checks, failures, latency percentiles) every
 * FLUSH_EVERY checks, on a failure and when the day ends. D1 is written a tenth as often as
 * checks run, and a lost monitor loses at most the checks since the last write.
 */
import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { monitorDays } from "../db/schema.ts";

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

/** The p-th percentile (0..100) of the samples, nearest rank; null without samples. */
export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}

/** Upserts the day's row. */
export async function writeDay(db: Db, projectId: string, stats: DayStats): Promise<void> {
  const row = {
    projectId,
    day: stats.day,
    checks: stats.checks,
    failures: stats.failures,
    latencyP50Ms: percentile(stats.latencies, 50),
    latencyP95Ms: percentile(stats.latencies, 95),
    latencyP99Ms: percentile(stats.latencies, 99),
    updatedAt: new Date(),
  };
  await db
    .insert(monitorDays)
    .values(row)
    .onConflictDoUpdate({
      target: [monitorDays.projectId, monitorDays.day],
      set: {
        checks: row.checks,
        failures: row.failures,
        latencyP50Ms: row.latencyP50Ms,
        latencyP95Ms: row.latencyP95Ms,
        latencyP99Ms: row.latencyP99Ms,
        updatedAt: row.updatedAt,
      },
    });
}

/** The project's last `limit` days with checks, newest first, as the API shows them. */
export async function recentDays(db: Db, projectId: string, limit: number) {
  const rows = await db
    .select()
    .from(monitorDays)
    .where(eq(monitorDays.projectId, projectId))
    .orderBy(desc(monitorDays.day))
    .limit(limit);
  return rows.map((row) => ({
    day: row.day,
    checks: row.checks,
    failures: row.failures,
    uptime: row.checks === 0 ? 1 : (row.checks - row.failures) / row.checks,
    latencyP50Ms: row.latencyP50Ms,
    latencyP95Ms: row.latencyP95Ms,
    latencyP99Ms: row.latencyP99Ms,
  }));
}
