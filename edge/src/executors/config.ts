import type { Env } from "../env.ts";
import { hubSettings } from "../settings/hub.ts";

/** Hub timings, from the hub's settings (tests shorten them). */
export function hubConfig(env: Env) {
  const settings = hubSettings.read(env);
  const leaseMs = settings.HUB_LEASE_MS;
  return {
    heartbeatMs: settings.HUB_HEARTBEAT_MS,
    leaseMs,
    sweepMs: Math.max(250, Math.min(5_000, Math.floor(leaseMs / 3))),
    maxAttempts: settings.JOB_MAX_ATTEMPTS,
    defaultTimeoutMs: settings.JOB_DEFAULT_TIMEOUT_MS,
    /** How long a job waits for the executor it prefers (while that one is busy) before any will do. */
    preferWaitMs: settings.HUB_PREFER_WAIT_MS,
  };
}

export type HubConfig = ReturnType<typeof hubConfig>;
