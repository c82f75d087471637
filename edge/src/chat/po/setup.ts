/**
 * What a Product-Owner turn needs from the Worker: the model client (null when no API key is
 * configured) and the recorder that books each model call's tokens and cost in D1 `costs`, against
 * the chat and the project the conversation is about.
 */
import Anthropic from "@anthropic-ai/sdk";
import type { Db } from "../../db/client.ts";
import { costInsert } from "../../domain/costs.ts";
import type { Env } from "../../env.ts";
import type { PoConfig } from "./config.ts";
import type { ConversationDeps } from "./conversation.ts";
import { costUsd } from "./pricing.ts";

const MODEL_TIMEOUT_MS = 120_000;

export function modelClient(env: Env, config: PoConfig): Anthropic | null {
  if (!env.ANTHROPIC_API_KEY) return null;
  return new Anthropic({
    apiKey: env.ANTHROPIC_API_KEY,
    baseURL: env.ANTHROPIC_BASE_URL || null,
    maxRetries: config.maxRetries,
    timeout: MODEL_TIMEOUT_MS,
  });
}

export function usageRecorder(db: Db, chatId: number, config: PoConfig): ConversationDeps["recordUsage"] {
  return async (usage, projectId) => {
    const amountUsd = costUsd(usage, config.price);
    await costInsert(db, { source: "po-agent", amountUsd, usage, projectId, chatId });
  };
}
