/**
 * What the admin allows an executor, from its D1 row: its pool (the `pool` label of its profile,
 * whatever the executor says) and the capabilities it may advertise (what it says, at most these).
 * The Worker hands it to the hub with the authenticated connection, so a stolen token is worth one
 * pool's jobs and secrets, with the capabilities the admin gave that executor, no more.
 *
 *   const profile = clampProfile(policy, hello);  // on every hello
 */
import { DEFAULT_POOL, POOL_LABEL } from "@codegen-orchestrator/shared";
import { z } from "zod";

export const ExecutorPolicy = z.strictObject({
  pool: z.string().min(1).max(63),
  capabilities: z.array(z.string().max(64)).max(64),
});
export type ExecutorPolicy = z.infer<typeof ExecutorPolicy>;

/** The header the Worker sets on the connection it forwards to the hub (never a client's). */
export const POLICY_HEADER = "x-executor-policy";

/** The policy the Worker sent, or null when it is missing or malformed. */
export function parsePolicy(header: string | null): ExecutorPolicy | null {
  if (!header) return null;
  try {
    const parsed = ExecutorPolicy.safeParse(JSON.parse(header));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The policy of an executor row: its admin labels' pool, its allowed capabilities. */
export const policyOf = (row: {
  labels: Record<string, string>;
  capabilities: string[];
}): ExecutorPolicy => ({
  pool: row.labels[POOL_LABEL] ?? DEFAULT_POOL,
  capabilities: row.capabilities,
});

export interface ClaimedProfile {
  capabilities: string[];
  labels: Record<string, string>;
  capacity: number;
}

/** The profile the hub schedules by: the executor's claim within the policy, and what was cut. */
export function clampProfile(
  policy: ExecutorPolicy,
  claimed: ClaimedProfile,
): { profile: ClaimedProfile; refused: string[] } {
  const allowed = new Set(policy.capabilities);
  const refused = claimed.capabilities.filter((capability) => !allowed.has(capability));
  const claimedPool = claimed.labels[POOL_LABEL];
  if (claimedPool !== undefined && claimedPool !== policy.pool) refused.push(`${POOL_LABEL}=${claimedPool}`);
  return {
    profile: {
      capabilities: claimed.capabilities.filter((capability) => allowed.has(capability)),
      labels: { ...claimed.labels, [POOL_LABEL]: policy.pool },
      capacity: claimed.capacity,
    },
    refused,
  };
}
