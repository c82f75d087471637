/** A project's deployments as the chat and the API read them (the pipelines record them). */
import { and, desc, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { deployments } from "../db/schema.ts";

/** The URL of the project's latest deployment that has one, or null. */
export async function latestDeploymentUrl(db: Db, projectId: string): Promise<string | null> {
  const [deployment] = await db
    .select({ url: deployments.url })
    .from(deployments)
    .where(and(eq(deployments.projectId, projectId), isNotNull(deployments.url)))
    .orderBy(desc(deployments.id))
    .limit(1);
  return deployment?.url ?? null;
}
