/** A monitored service's days in D1 (`monitor_days`): checks, failures, latency percentiles. */
import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { monitorDays } from "../db/schema.ts";

/** The p-th percentile (0..100) of the samples, nearest rank; null without samples. */
export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}

/** Upserts one day's row from its counts and latency samples. */
export async function writeDay(
  db: Db,
  projectId: string,
  stats: { day: string; checks: number; failures: number; latencies: readonly number[] },
): Promise<void> {
  const figures = {
    checks: stats.checks,
    failures: stats.failures,
    latencyP50Ms: percentile(stats.latencies, 50),
    latencyP95Ms: percentile(stats.latencies, 95),
    latencyP99Ms: percentile(stats.latencies, 99),
    updatedAt: new Date(),
  };
  await db
    .insert(monitorDays)
    .values({ projectId, day: stats.day, ...figures })
    .onConflictDoUpdate({ target: [monitorDays.projectId, monitorDays.day], set: figures });
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
