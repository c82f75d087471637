/**
 * Allocate: where the project's service runs. Its allocation is made once (by the Allocator, within
 * the owner's quotas) and reused by every later deploy; its server must be one the deploy may
 * connect to (a pinned host key, or the admin's allowance to record the first one).
 */
import type { Db } from "../../db/client.ts";
import { allocationOf, type Placement, placementOf, STANDBY_SERVICE } from "../../domain/placements.ts";
import type { Env } from "../../env.ts";
import type { Pipeline } from "../steps/pipeline-workflow.ts";
import { timelineStep } from "../steps/timeline.ts";

/** The service's name in its allocation (one service per project). */
const SERVICE = "web";
/** Memory reserved for a service on its server (the allocator's "free memory" subtracts it). */
const SERVICE_MEMORY_MB = 256;

/** The project's allocation (made once, then reused) and its server; or why there is none. */
type Placed = { placement: Placement } | { error: string };

export async function place(env: Env, db: Db, projectId: string, actorId: string): Promise<Placed> {
  let allocation = await allocationOf(db, projectId, SERVICE);
  if (!allocation) {
    const outcome = await env.ALLOCATOR.getByName("global").allocate(
      { projectId, service: SERVICE, labels: {}, memoryMb: SERVICE_MEMORY_MB },
      actorId,
    );
    if (!outcome.ok) return { error: `No server for it: ${outcome.message}` };
    allocation = outcome.allocation;
  }
  const placement = await placementOf(db, projectId, allocation);
  if (!placement) return { error: "Its server no longer exists." };
  return { placement: await withStandby(env, placement, projectId, actorId) };
}

/**
 * Behind a proxy, a release starts beside the live one on a second port of the same server
 * (blue-green), allocated once like the first. Without one (the owner's quota, a full port range)
 * releases restart in place, as on a server without a proxy.
 */
async function withStandby(env: Env, placement: Placement, projectId: string, actorId: string) {
  if (!placement.proxy || placement.standbyPort !== null) return placement;
  const outcome = await env.ALLOCATOR.getByName("global").allocate(
    { projectId, service: STANDBY_SERVICE, serverId: placement.serverId, labels: {}, memoryMb: 0 },
    actorId,
  );
  return outcome.ok ? { ...placement, standbyPort: outcome.allocation.port } : placement;
}

/**
 * Why nothing may connect to the placement's server yet, or null: a host key is pinned, or the
 * admin allowed the first one presented to be recorded; never whatever answers.
 */
export const hostKeyProblem = (placement: Placement): string | null =>
  placement.knownHosts || placement.trustFirstHostKey
    ? null
    : "Its server has no pinned host key yet: an admin sets the server's knownHosts (or allows its first key with trustFirstHostKey), then deploy again.";

/** The "allocate" step: the placement, said in the chat, or why there is none. */
export async function allocate(pipeline: Pipeline, ownerId: string): Promise<Placed> {
  const placed = await timelineStep<Placed>(pipeline, "allocate", async (db) => {
    const outcome = await place(pipeline.env, db, pipeline.projectId, ownerId);
    if ("error" in outcome) return { status: "failed", detail: { error: outcome.error }, value: outcome };
    const { serverName, port, standbyPort, url } = outcome.placement;
    const detail = { server: serverName, port, ...(standbyPort ? { standbyPort } : {}), url };
    return { status: "succeeded", detail, value: outcome };
  });
  if ("error" in placed) return { error: `Allocation failed: ${placed.error}` };
  const { placement } = placed;
  const ports = placement.standbyPort
    ? `ports ${placement.port} and ${placement.standbyPort} (releases switch between them)`
    : `port ${placement.port}`;
  await pipeline.progress("allocate", `📍 ${placement.serverName}, ${ports}`);
  return placed;
}
