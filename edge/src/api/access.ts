/** Ownership checks: members reach only their own projects; admins reach all. */
import { and, eq, isNull } from "drizzle-orm";
import { projects } from "../db/schema.ts";
import type { AppContext } from "./context.ts";
import { notFound } from "./errors.ts";
import { isAdmin } from "./middleware/auth.ts";

export type ProjectRow = typeof projects.$inferSelect;

/**
 * The live project with this id, if the caller may act on it. Another member's project answers
 * 404, exactly like a missing one, so ids reveal nothing. Only the bearer key decides who the
 * caller is: no header, query or body field can act for another user.
 */
export async function projectFor(c: AppContext, id: string): Promise<ProjectRow> {
  const [row] = await c
    .get("db")
    .select()
    .from(projects)
    .where(and(eq(projects.id, id), isNull(projects.deletedAt)))
    .limit(1);
  if (!row || (row.ownerId !== c.get("principal").userId && !isAdmin(c))) throw notFound("project");
  return row;
}
