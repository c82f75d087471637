/**
 * The executor fleet as admins operate it, through the API and the console alike: each registered
 * executor with what the ExecutorHub knows of it live (connected, draining, load), drained or
 * resumed, revoked with its socket closed. D1 holds the registrations (`executors.ts`); the hub,
 * reached through the `FleetHub` port (its RPC stub), holds the live state.
 *
 *   const states = await executorStates(db, executorHub(env), actor);
 */
import type { Db } from "../db/client.ts";
import { policyOf } from "../executors/policy.ts";
import type { Actor } from "./actor.ts";
import {
  type ExecutorRow,
  findExecutor,
  listExecutors,
  recordExecutorAction,
  revokeExecutor,
} from "./executors.ts";

/** What the hub says of an executor that has said hello (executors/executor-admin.ts). */
export interface LiveExecutorState {
  executorId: string;
  connected: boolean;
  draining: boolean;
  /** What it advertises, within the allowed ones. */
  capabilities: string[];
  labels: Record<string, string>;
  capacity: number;
  running: number;
  lastSeenAt: number;
}

/** What the fleet's operations ask of the ExecutorHub. */
export interface FleetHub {
  executors(): Promise<LiveExecutorState[]>;
  drain(executorId: string): Promise<void>;
  resume(executorId: string): Promise<void>;
  disconnect(executorId: string, reason: string): Promise<number>;
}

/** A registered executor with its live state (none yet: never connected, nothing running). */
export interface ExecutorState extends Omit<LiveExecutorState, "executorId" | "lastSeenAt"> {
  id: string;
  name: string;
  tokenPrefix: string;
  /** The pool the admin put it in: it runs that pool's jobs only. */
  pool: string;
  /** What the admin allows it to advertise. */
  allowedCapabilities: string[];
  createdAt: Date;
  revokedAt: Date | null;
  lastSeenAt: Date | null;
}

export type ExecutorAction = "drain" | "resume";

/** Whether it may take work: revoked (never again), draining (until resumed) or active. */
export const fleetStatus = (state: ExecutorState): "revoked" | "draining" | "active" =>
  state.revokedAt ? "revoked" : state.draining ? "draining" : "active";

async function withLiveState(hub: FleetHub, rows: ExecutorRow[]): Promise<ExecutorState[]> {
  const live = new Map((await hub.executors()).map((e) => [e.executorId, e]));
  return rows.map((row) => {
    const state = live.get(row.id);
    return {
      id: row.id,
      name: row.name,
      tokenPrefix: row.tokenPrefix,
      pool: policyOf(row).pool,
      allowedCapabilities: row.capabilities,
      createdAt: row.createdAt,
      revokedAt: row.revokedAt,
      connected: state?.connected ?? false,
      draining: state?.draining ?? false,
      capabilities: state?.capabilities ?? [],
      labels: state?.labels ?? row.labels,
      capacity: state?.capacity ?? 0,
      running: state?.running ?? 0,
      lastSeenAt: state ? new Date(state.lastSeenAt) : null,
    };
  });
}

/** One executor with its live state. */
export async function stateOf(hub: FleetHub, row: ExecutorRow): Promise<ExecutorState> {
  const [state] = await withLiveState(hub, [row]);
  if (!state) throw new Error("withLiveState returned no state for its one row");
  return state;
}

/** Every executor ever registered (revoked ones too), in id order, with its live state (admins). */
export async function executorStates(db: Db, hub: FleetHub, actor: Actor): Promise<ExecutorState[]> {
  return withLiveState(hub, await listExecutors(db, actor));
}

/**
 * Drains an executor (it finishes its jobs and takes no new ones, across reconnects) or resumes
 * it; audited. The hub keeps the flag of executors that have said hello.
 */
export async function drainOrResume(
  db: Db,
  hub: FleetHub,
  actor: Actor,
  id: string,
  action: ExecutorAction,
): Promise<ExecutorState> {
  const row = await findExecutor(db, actor, id);
  await (action === "drain" ? hub.drain(row.id) : hub.resume(row.id));
  await recordExecutorAction(db, actor, row, action);
  return stateOf(hub, row);
}

/** Revokes an executor's token and closes its live socket: it cannot reconnect (audited once). */
export async function revokeAndDisconnect(
  db: Db,
  hub: FleetHub,
  actor: Actor,
  id: string,
): Promise<ExecutorState> {
  const revoked = await revokeExecutor(db, actor, id);
  await hub.disconnect(revoked.id, "This executor's token was revoked.");
  return stateOf(hub, revoked);
}
