/** The Product-Owner agent's model and limits, from Worker vars (see env.ts). */
import type { Env } from "../../env.ts";
import { positiveNumber } from "../../vars.ts";
import { type Price, priceOf } from "./pricing.ts";

export interface PoConfig {
  model: string;
  maxTokens: number;
  /** Retries of one model call on 429 / 529 / 5xx / network errors (the SDK's backoff honours retry-after). */
  maxRetries: number;
  /** Model calls in one turn before the agent stops and says so. */
  maxToolRounds: number;
  /** History size (characters of JSON) past which older turns are summarised. */
  historyMaxChars: number;
  price: Price;
  /** Seconds before a pending question is recalled, and before it expires. */
  remindAfterS: number;
  expireAfterS: number;
}

export const DEFAULT_PO_MODEL = "claude-sonnet-5-5";

export function poConfig(env: Env): PoConfig {
  const model = env.PO_MODEL?.trim() || DEFAULT_PO_MODEL;
  const remindAfterS = positiveNumber(env.CHAT_REMIND_AFTER_S, 15 * 60);
  return {
    model,
    maxTokens: positiveNumber(env.PO_MAX_TOKENS, 2048),
    maxRetries: Math.floor(positiveNumber(env.PO_MAX_RETRIES, 4)),
    maxToolRounds: positiveNumber(env.PO_MAX_TOOL_ROUNDS, 8),
    historyMaxChars: positiveNumber(env.PO_HISTORY_MAX_CHARS, 60_000),
    price: priceOf(model, {
      inputPerMTok: positiveNumber(env.PO_PRICE_INPUT_PER_MTOK, Number.NaN),
      outputPerMTok: positiveNumber(env.PO_PRICE_OUTPUT_PER_MTOK, Number.NaN),
    }),
    remindAfterS,
    expireAfterS: Math.max(remindAfterS, positiveNumber(env.CHAT_EXPIRE_AFTER_S, 24 * 60 * 60)),
  };
}
