/**
 * What lives under a project (runs, port allocations) is exactly as visible as its project's
 * history: to its owner and admins, deleted or not (a deleted project's runs stay readable and
 * cancellable, its undeploy included), and to nobody else. The caller then answers its own "not
 * found" for both cases: to a member, another member's run must read "No run with this id.", not
 * "No project with this id.", or ids would tell the two apart.
 *
 *   if (!row || !(await projectVisible(db, actor, row.projectId))) throw notFound("run");
 */
import type { Db } from "../db/client.ts";
import type { Actor } from "./actor.ts";
import { ApiError } from "./errors.ts";
import { findProjectHistory } from "./projects.ts";

/** Whether the actor may see this project's history (one rule: `findProjectHistory`'s). */
export async function projectVisible(db: Db, actor: Actor, projectId: string): Promise<boolean> {
  try {
    await findProjectHistory(db, actor, projectId);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return false;
    throw err;
  }
}
