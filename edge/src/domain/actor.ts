/** Who performs an operation: an API key's user, or a chat's user. Only this decides access. */
import type { Role } from "@codegen-orchestrator/shared";
import { forbidden } from "./errors.ts";

export interface Actor {
  userId: string;
  role: Role;
}

export const isAdminActor = (actor: Actor) => actor.role === "admin";

/** For operations only admins may perform (users, servers, executors, jobs). */
export function assertAdminActor(actor: Actor): void {
  if (!isAdminActor(actor)) throw forbidden("Only admins may do this.");
}
