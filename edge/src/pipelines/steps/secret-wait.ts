/**
 * A DevOps run that needs a value only its user has asks for it through the chat's secret flow
 * and waits for `secret-<NAME>`. Whoever stores a project secret (the chat, or the API) tells the
 * project's DevOps runs in progress; the event carries the name only, never the value, which
 * `putSecret` sealed into D1 before.
 */
import type { Db } from "../../db/client.ts";
import { instancesInProgress } from "../../domain/run-workflows.ts";
import type { Env } from "../../env.ts";

export const secretEvent = (name: string) => `secret-${name}`;

/** Tells the project's DevOps and preview runs in progress that `name` is stored. Never throws. */
export async function secretStored(env: Env, db: Db, projectId: string, name: string): Promise<void> {
  try {
    const waiting = [
      ...(await instancesInProgress(db, projectId, "devops")),
      ...(await instancesInProgress(db, projectId, "preview")),
    ];
    for (const instanceId of waiting)
      await (await env.DEVOPS_WORKFLOW.get(instanceId)).sendEvent({
        type: secretEvent(name),
        payload: { name },
      });
  } catch (err) {
    // The run also re-checks on its own when its wait times out; a lost event costs time only.
    console.error(JSON.stringify({ event: "secret.notify_failed", projectId, name, error: String(err) }));
  }
}
