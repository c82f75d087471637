/** Who performs an operation: an API key's user, or a chat's user. Only this decides access. */
import type { Role } from "@codegen-orchestrator/shared";

export interface Actor {
  userId: string;
  role: Role;
}

export const isAdminActor = (actor: Actor) => actor.role === "admin";
