/** Which executor gets a job: the least loaded (by share of capacity) that fits it. */
import type { ExecutorProfile } from "./executor-profiles.ts";

export interface Candidate<Handle> {
  profile: ExecutorProfile;
  handle: Handle;
}

/** Running jobs per executor id. */
export type Loads = Map<string, number>;

const loadOf = (loads: Loads, profile: ExecutorProfile) => loads.get(profile.executorId) ?? 0;

export function freeSlots(candidates: readonly Candidate<unknown>[], loads: Loads): number {
  return candidates.reduce(
    (sum, { profile }) => sum + Math.max(0, profile.capacity - loadOf(loads, profile)),
    0,
  );
}

export interface Placeable {
  needs: readonly string[];
  labels: Readonly<Record<string, string>>;
  /** The executor the job belongs on while it is a candidate that fits it (null: none). */
  prefer?: string | null;
}

/**
 * The executor a queued job still prefers: its own preference for `waitMs` after it was queued,
 * then none (a busy preferred executor must not hold it forever).
 */
export function preferenceOf(
  job: { prefer_executor: string | null; created_at: number },
  now: number,
  waitMs: number,
): string | null {
  return job.prefer_executor !== null && now - job.created_at < waitMs ? job.prefer_executor : null;
}

const suits = (job: Placeable, profile: ExecutorProfile) =>
  job.needs.every((capability) => profile.capabilities.includes(capability)) &&
  Object.entries(job.labels).every(([key, value]) => profile.labels[key] === value);

/**
 * The candidate with every capability the job needs, all its labels and a free slot (of its
 * capacity, or of `capacityOf`'s: light jobs have their own), least loaded first. A job that prefers an executor which is a candidate and suits it goes there or, while that
 * one has no free slot, nowhere yet (undefined: it stays queued).
 */
export function pickExecutor<Handle>(
  job: Placeable,
  candidates: readonly Candidate<Handle>[],
  loads: Loads,
  capacityOf: (profile: ExecutorProfile) => number = (profile) => profile.capacity,
): Candidate<Handle> | undefined {
  const preferred = job.prefer
    ? candidates.find(({ profile }) => profile.executorId === job.prefer && suits(job, profile))
    : undefined;
  if (preferred)
    return loadOf(loads, preferred.profile) < capacityOf(preferred.profile) ? preferred : undefined;
  let best: Candidate<Handle> | undefined;
  let bestShare = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const { profile } = candidate;
    const load = loadOf(loads, profile);
    const capacity = capacityOf(profile);
    const fits = load < capacity && suits(job, profile);
    const share = load / Math.max(capacity, 1);
    if (fits && share < bestShare) {
      best = candidate;
      bestShare = share;
    }
  }
  return best;
}
