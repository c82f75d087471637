/** What model calls cost, booked in D1 `costs` against a project, a run and/or a chat, and the totals. */
import { eq, sum } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { costs } from "../db/schema.ts";
import { newId } from "../ids.ts";

export interface CostEntry {
  source: string;
  amountUsd: number;
  usage: { input_tokens: number; output_tokens: number };
  projectId: string | null;
  runId?: string;
  chatId?: number;
  /** The executor job whose work cost it (an agent's model use). */
  jobId?: string;
}

/** The insert for one cost row: await it, or run it in a `db.batch` with the change it pays for. */
export function costInsert(db: Db, entry: CostEntry) {
  return db.insert(costs).values({
    id: newId(),
    projectId: entry.projectId,
    runId: entry.runId ?? null,
    chatId: entry.chatId ?? null,
    jobId: entry.jobId ?? null,
    source: entry.source,
    amountUsd: entry.amountUsd,
    inputTokens: entry.usage.input_tokens,
    outputTokens: entry.usage.output_tokens,
    createdAt: new Date(),
  });
}

/** What a chat's conversations have cost, in USD. */
export async function chatCost(db: Db, chatId: number): Promise<number> {
  const [chat] = await db
    .select({ total: sum(costs.amountUsd) })
    .from(costs)
    .where(eq(costs.chatId, chatId));
  return Number(chat?.total ?? 0);
}
