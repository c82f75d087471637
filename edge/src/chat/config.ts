/**
 * The chat's own limits and timings (settings/chat.ts); the model it talks to is the PO role's
 * (models/roles.ts).
 */
import type { Env } from "../env.ts";
import { chatSettings } from "../settings/chat.ts";

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
  const settings = chatSettings.read(env);
  return {
    maxToolRounds: settings.PO_MAX_TOOL_ROUNDS,
    historyMaxChars: settings.PO_HISTORY_MAX_CHARS,
    remindAfterS: settings.CHAT_REMIND_AFTER_S,
    expireAfterS: Math.max(settings.CHAT_REMIND_AFTER_S, settings.CHAT_EXPIRE_AFTER_S),
  };
}
