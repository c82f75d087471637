/** The API's audit helper: the caller's principal is the actor. See `domain/audit.ts`. */
import type { Db } from "../db/client.ts";
import { type AuditEntry, auditedBy } from "../domain/audit.ts";
import type { AppContext } from "../http/context.ts";

export { type AuditEntry, auditInsert } from "../domain/audit.ts";

type Write = Parameters<Db["batch"]>[0][number];

/** Runs the writes and the caller's audit row in one D1 batch: all land, or none. */
export async function audited(c: AppContext, entry: AuditEntry, ...writes: Write[]): Promise<void> {
  await auditedBy(c.get("db"), c.get("principal").userId, entry, ...writes);
}
