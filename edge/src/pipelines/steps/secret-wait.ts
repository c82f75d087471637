/**
 * A DevOps run that needs a value only its user has asks for it through the chat's secret flow
 * and waits for `secret-<NAME>`. Whoever stores a project secret (the chat, or the API) tells the
 * project's DevOps runs in progress; the event carries the name only, never the value, which
 * `putSecret` sealed into D1 before.
 */
import { and, eq, inArray, isNotNull } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { runs, secrets } from "../../db/schema.ts";
import type { Env } from "../../env.ts";

export const secretEvent = (name: string) => `secret-${name}`;

/** Tells the project's DevOps runs in progress that `name` is stored. Never throws. */
export async function secretStored(env: Env, db: Db, projectId: string, name: string): Promise<void> {
  try {
    const active = await db
      .select({ instanceId: runs.workflowInstanceId })
      .from(runs)
      .where(
        and(
          eq(runs.projectId, projectId),
          eq(runs.kind, "devops"),
          inArray(runs.status, ["running", "waiting"]),
          isNotNull(runs.workflowInstanceId),
        ),
      );
    for (const { instanceId } of active) {
      if (!instanceId || !env.DEVOPS_WORKFLOW) continue;
      await (await env.DEVOPS_WORKFLOW.get(instanceId)).sendEvent({
        type: secretEvent(name),
        payload: { name },
      });
    }
  } catch (err) {
    // The run also re-checks on its own when its wait times out; a lost event costs time only.
    console.error(JSON.stringify({ event: "secret.notify_failed", projectId, name, error: String(err) }));
  }
}

/** Which of these project secrets are not stored. */
export async function missingSecrets(db: Db, projectId: string, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await db
    .select({ name: secrets.name })
    .from(secrets)
    .where(and(eq(secrets.projectId, projectId), inArray(secrets.name, [...names])));
  const present = new Set(rows.map((row) => row.name));
  return names.filter((name) => !present.has(name));
}
