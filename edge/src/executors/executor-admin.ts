/** What the API asks of the hub about executors (through its RPC methods): list, drain, disconnect. */
import { CloseCode } from "@codegen-orchestrator/shared";
import type { Dispatcher } from "./dispatcher.ts";
import type { ExecutorProfile } from "./executor-profiles.ts";
import type { HubParts } from "./hub-parts.ts";

export interface LiveExecutor extends ExecutorProfile {
  connected: boolean;
  running: number;
}

export class ExecutorAdmin {
  readonly #parts: Pick<HubParts, "store" | "profiles" | "sockets">;
  readonly #dispatcher: Dispatcher;

  constructor(parts: Pick<HubParts, "store" | "profiles" | "sockets">, dispatcher: Dispatcher) {
    this.#parts = parts;
    this.#dispatcher = dispatcher;
  }

  /** Every executor that ever said hello, with whether it is connected and how many jobs it runs. */
  list(): LiveExecutor[] {
    const { store, profiles, sockets } = this.#parts;
    const loads = store.loads();
    const connected = new Set(sockets.ready().map(([, a]) => a.executorId));
    return [...profiles.all().values()].map((profile) => ({
      ...profile,
      connected: connected.has(profile.executorId),
      running: loads.get(profile.executorId) ?? 0,
    }));
  }

  disconnect(executorId: string, reason: string): number {
    return this.#parts.sockets.close(executorId, CloseCode.revoked, reason);
  }

  drain(executorId: string): void {
    this.#parts.profiles.setDraining(executorId, true);
    this.#parts.sockets.send(executorId, { type: "drain" });
  }

  resume(executorId: string): void {
    this.#parts.profiles.setDraining(executorId, false);
    this.#dispatcher.dispatch();
  }
}
