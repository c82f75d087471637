/**
 * Which model each role calls, and with what limits and price, from Worker vars (see env.ts). The
 * Product-Owner agent's `PO_*` vars are the defaults of the others: the Architect's `ARCHITECT_*`
 * and the EnvAnalyzer's `ENV_ANALYZER_*` each override what they set.
 *
 *   const settings = modelSettings(env, "architect"); // ARCHITECT_MODEL, else PO_MODEL
 */
import type { EnvVars } from "../env.ts";
import { positiveNumber } from "../vars.ts";
import { type Price, priceOf } from "./pricing.ts";

/** The vars the settings come from: PO_MODEL is set in wrangler.toml (the generated bindings), the rest in env.ts. */
export type ModelVars = EnvVars & { PO_MODEL?: string };

export type ModelRole = "po" | "architect" | "env-analyzer";

export interface ModelSettings {
  model: string;
  maxTokens: number;
  /** Retries of one model call on 429 / 529 / 5xx / network errors (the SDK's backoff honours retry-after). */
  maxRetries: number;
  price: Price;
}

const DEFAULT_PO_MODEL = "claude-sonnet-5-5";

/** One role's vars: `<PREFIX>_MODEL`, `_MAX_TOKENS`, `_MAX_RETRIES`, `_PRICE_INPUT_PER_MTOK`, `_PRICE_OUTPUT_PER_MTOK`. */
interface RoleVars {
  model?: string | undefined;
  maxTokens?: string | undefined;
  maxRetries?: string | undefined;
  priceInput?: string | undefined;
  priceOutput?: string | undefined;
}

function roleVars(env: ModelVars, role: ModelRole): RoleVars {
  if (role === "architect")
    return {
      model: env.ARCHITECT_MODEL,
      maxTokens: env.ARCHITECT_MAX_TOKENS,
      maxRetries: env.ARCHITECT_MAX_RETRIES,
      priceInput: env.ARCHITECT_PRICE_INPUT_PER_MTOK,
      priceOutput: env.ARCHITECT_PRICE_OUTPUT_PER_MTOK,
    };
  if (role === "env-analyzer")
    return {
      model: env.ENV_ANALYZER_MODEL,
      maxTokens: env.ENV_ANALYZER_MAX_TOKENS,
      maxRetries: env.ENV_ANALYZER_MAX_RETRIES,
      priceInput: env.ENV_ANALYZER_PRICE_INPUT_PER_MTOK,
      priceOutput: env.ENV_ANALYZER_PRICE_OUTPUT_PER_MTOK,
    };
  return {
    model: env.PO_MODEL,
    maxTokens: env.PO_MAX_TOKENS,
    maxRetries: env.PO_MAX_RETRIES,
    priceInput: env.PO_PRICE_INPUT_PER_MTOK,
    priceOutput: env.PO_PRICE_OUTPUT_PER_MTOK,
  };
}

/** A set var wins; else the fallback (the PO's var for the other roles). */
const either = (value: string | undefined, fallback: string | undefined) =>
  value?.trim() ? value : fallback;

export function modelSettings(env: ModelVars, role: ModelRole): ModelSettings {
  const po = roleVars(env, "po");
  const own = role === "po" ? po : roleVars(env, role);
  const poModel = po.model?.trim() || DEFAULT_PO_MODEL;
  const model = own.model?.trim() || poModel;
  // The PO's configured price is for the PO's model: another model gets its own list price.
  const priceVars = model === poModel ? po : {};
  return {
    model,
    maxTokens: positiveNumber(either(own.maxTokens, po.maxTokens), 2048),
    maxRetries: Math.floor(positiveNumber(either(own.maxRetries, po.maxRetries), 4)),
    price: priceOf(model, {
      inputPerMTok: positiveNumber(either(own.priceInput, priceVars.priceInput), Number.NaN),
      outputPerMTok: positiveNumber(either(own.priceOutput, priceVars.priceOutput), Number.NaN),
    }),
  };
}
