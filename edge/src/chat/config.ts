/**
 * The chat's own limits and timings, from Worker vars (see env.ts); the model it talks to is the
 * PO role's (models/settings.ts).
 */
import type { Env } from "../env.ts";
import { positiveNumber } from "../vars.ts";

export interface ChatConfig {
  /** Model calls in one turn before the agent stops and says so. */
  maxToolRounds: number;
  /** History size (characters of JSON) past which older turns are summarised. */
  historyMaxChars: number;
  /** Seconds before a pending question is recalled, and before it expires. */
  remindAfterS: number;
  expireAfterS: number;
}

export function chatConfig(env: Env): ChatConfig {
  const remindAfterS = positiveNumber(env.CHAT_REMIND_AFTER_S, 15 * 60);
  return {
    maxToolRounds: positiveNumber(env.PO_MAX_TOOL_ROUNDS, 8),
    historyMaxChars: positiveNumber(env.PO_HISTORY_MAX_CHARS, 60_000),
    remindAfterS,
    expireAfterS: Math.max(remindAfterS, positiveNumber(env.CHAT_EXPIRE_AFTER_S, 24 * 60 * 60)),
  };
}
