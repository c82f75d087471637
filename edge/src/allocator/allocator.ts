/**
 * The Allocator Durable Object ("Zavhoz"): one instance serialises every port allocation, so
 * concurrent requests never pick the same port. D1 stays the source of truth; the allocation
 * itself is the domain's (`domain/allocations.ts`).
 *
 *   const outcome = await env.ALLOCATOR.getByName("global").allocate(request, actorId);
 */
import { DurableObject } from "cloudflare:workers";
import { database } from "../db/client.ts";
import { type AllocationOutcome, type AllocationRequest, allocatePort } from "../domain/allocations.ts";
import { memberQuotas } from "../domain/quotas.ts";
import type { Env } from "../env.ts";

export class Allocator extends DurableObject<Env> {
  /** The tail of the queue: each allocation starts when the previous one has settled. */
  #tail: Promise<unknown> = Promise.resolve();

  allocate(request: AllocationRequest, actorId: string): Promise<AllocationOutcome> {
    const run = this.#tail.then(async () => {
      const outcome = await allocatePort(database(this.env.DB), request, actorId, memberQuotas(this.env));
      // Members read only the outcome's message; the operator gets what the server lacks here.
      if (!outcome.ok && outcome.serverDetail) {
        const { projectId } = request;
        console.warn(
          JSON.stringify({ event: "allocation.refused", actorId, projectId, detail: outcome.serverDetail }),
        );
      }
      return outcome;
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
