import type { Env } from "../env.ts";
import { hubSettings } from "../settings/hub.ts";

/** Hub timings, from the hub's settings (tests shorten them). */
export function hubConfig(env: Env) {
  const settings = hubSettings.read(env);
  const leaseMs = settings.HUB_LEASE_MS;
  const heartbeatMs = settings.HUB_HEARTBEAT_MS;
  return {
    heartbeatMs,
    leaseMs,
    /**
     * A heartbeat renews the leases with less than this left: with a lease of four heartbeats or
     * more, every other heartbeat writes (and a lease keeps a heartbeat's margin); else every one.
     */
    renewBelowMs: leaseMs >= 4 * heartbeatMs ? leaseMs - 2 * heartbeatMs : leaseMs,
    sweepMs: Math.max(250, Math.min(5_000, Math.floor(leaseMs / 3))),
    maxAttempts: settings.JOB_MAX_ATTEMPTS,
    defaultTimeoutMs: settings.JOB_DEFAULT_TIMEOUT_MS,
    /** How long a job waits for the executor it prefers (while that one is busy) before any will do. */
    preferWaitMs: settings.HUB_PREFER_WAIT_MS,
  };
}

export type HubConfig = ReturnType<typeof hubConfig>;
