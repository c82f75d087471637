/** Ownership checks for API routes: the bearer key's principal is the actor (see `domain/projects.ts`). */
import { findProject, type ProjectRow } from "../domain/projects.ts";
import type { AppContext } from "../http/context.ts";

export type { ProjectRow } from "../domain/projects.ts";

/**
 * The live project with this id, if the caller may act on it; 404 otherwise. Only the bearer key
 * decides who the caller is: no header, query or body field can act for another user.
 */
export function projectFor(c: AppContext, id: string): Promise<ProjectRow> {
  return findProject(c.get("db"), c.get("principal"), id);
}
