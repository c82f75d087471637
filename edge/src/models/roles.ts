/**
 * Which model each role calls, and with what limits and price (settings/models.ts): the
 * Product-Owner's `PO_*` settings are the defaults of the others; the Architect's `ARCHITECT_*` and
 * the EnvAnalyzer's `ENV_ANALYZER_*` each override what they set.
 *
 *   const model = roleModel(env, "architect"); // ARCHITECT_MODEL, else PO_MODEL
 */
import type { Env } from "../env.ts";
import { modelSettings } from "../settings/models.ts";
import { type Price, priceOf } from "./pricing.ts";

export type ModelRole = "po" | "architect" | "env-analyzer";

export interface RoleModel {
  model: string;
  maxTokens: number;
  /** Retries of one model call on 429 / 529 / 5xx / network errors (the SDK's backoff honours retry-after). */
  maxRetries: number;
  price: Price;
}

interface RoleSettings {
  model: string | undefined;
  maxTokens: number | undefined;
  maxRetries: number | undefined;
  priceInput: number | undefined;
  priceOutput: number | undefined;
}

function roleSettings(env: Env, role: ModelRole): RoleSettings {
  const s = modelSettings.read(env);
  if (role === "architect")
    return {
      model: s.ARCHITECT_MODEL,
      maxTokens: s.ARCHITECT_MAX_TOKENS,
      maxRetries: s.ARCHITECT_MAX_RETRIES,
      priceInput: s.ARCHITECT_PRICE_INPUT_PER_MTOK,
      priceOutput: s.ARCHITECT_PRICE_OUTPUT_PER_MTOK,
    };
  if (role === "env-analyzer")
    return {
      model: s.ENV_ANALYZER_MODEL,
      maxTokens: s.ENV_ANALYZER_MAX_TOKENS,
      maxRetries: s.ENV_ANALYZER_MAX_RETRIES,
      priceInput: s.ENV_ANALYZER_PRICE_INPUT_PER_MTOK,
      priceOutput: s.ENV_ANALYZER_PRICE_OUTPUT_PER_MTOK,
    };
  return {
    model: s.PO_MODEL,
    maxTokens: s.PO_MAX_TOKENS,
    maxRetries: s.PO_MAX_RETRIES,
    priceInput: s.PO_PRICE_INPUT_PER_MTOK,
    priceOutput: s.PO_PRICE_OUTPUT_PER_MTOK,
  };
}

export function roleModel(env: Env, role: ModelRole): RoleModel {
  const { PO_MODEL, PO_MAX_TOKENS, PO_MAX_RETRIES } = modelSettings.read(env);
  const own = roleSettings(env, role);
  const model = own.model ?? PO_MODEL;
  // The PO's configured price is for the PO's model: another model gets its own list price.
  const po = model === PO_MODEL ? roleSettings(env, "po") : undefined;
  return {
    model,
    maxTokens: own.maxTokens ?? PO_MAX_TOKENS,
    maxRetries: own.maxRetries ?? PO_MAX_RETRIES,
    price: priceOf(model, {
      inputPerMTok: own.priceInput ?? po?.priceInput ?? Number.NaN,
      outputPerMTok: own.priceOutput ?? po?.priceOutput ?? Number.NaN,
    }),
  };
}
