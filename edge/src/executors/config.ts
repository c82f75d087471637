import type { Env } from "../env.ts";
import { positiveNumber as positive } from "../vars.ts";

/** Hub timings, configurable through vars (tests shorten them). */
export function hubConfig(env: Env) {
  const leaseMs = positive(env.HUB_LEASE_MS, 45_000);
  return {
    heartbeatMs: positive(env.HUB_HEARTBEAT_MS, 10_000),
    leaseMs,
    sweepMs: Math.max(250, Math.min(5_000, Math.floor(leaseMs / 3))),
    maxAttempts: positive(env.JOB_MAX_ATTEMPTS, 3),
    defaultTimeoutMs: positive(env.JOB_DEFAULT_TIMEOUT_MS, 30 * 60_000),
    /** How long a job waits for the executor it prefers (while that one is busy) before any will do. */
    preferWaitMs: positive(env.HUB_PREFER_WAIT_MS, 10 * 60_000),
  };
}

export type HubConfig = ReturnType<typeof hubConfig>;
