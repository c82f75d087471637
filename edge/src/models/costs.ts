/**
 * Booking model calls in D1 `costs`: what a call's tokens cost at its role's price, against the
 * project (and the run or the chat) it was made for.
 */
import type { Db } from "../db/client.ts";
import { costInsert } from "../domain/costs.ts";
import { costUsd, type Usage } from "./pricing.ts";
import type { RoleModel } from "./roles.ts";

/** Who a call is booked against. */
export interface CostOwner {
  projectId: string | null;
  runId?: string;
  chatId?: number;
}

/** A priced call, as `forcedToolCall` returns it. */
export interface PricedCall {
  costUsd: number;
  usage: Usage;
}

/** The insert for one call's cost row (`source`: who called); await it, or put it in a `db.batch`. */
export const modelCostInsert = (db: Db, source: string, call: PricedCall, owner: CostOwner) =>
  costInsert(db, { source, amountUsd: call.costUsd, usage: call.usage, ...owner });

/** Books each PO call of a chat's conversation, priced at the PO's settings. */
export function usageRecorder(db: Db, chatId: number, settings: Pick<RoleModel, "price">) {
  return async (usage: Usage, projectId: string | null): Promise<void> => {
    await modelCostInsert(
      db,
      "po-agent",
      { costUsd: costUsd(usage, settings.price), usage },
      { projectId, chatId },
    );
  };
}
