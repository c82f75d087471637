/** Which of a project's secrets are not stored yet (a deploy makes or asks for them). */
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { secrets } from "../db/schema.ts";

export async function missingSecrets(db: Db, projectId: string, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await db
    .select({ name: secrets.name })
    .from(secrets)
    .where(and(eq(secrets.projectId, projectId), inArray(secrets.name, [...names])));
  const present = new Set(rows.map((row) => row.name));
  return names.filter((name) => !present.has(name));
}
