/**
 * What a model call cost, from its token usage: list prices in USD per million tokens, cache reads
 * at a tenth of the input price and cache writes at 1.25×, as Anthropic bills them.
 */

export interface Price {
  inputPerMTok: number;
  outputPerMTok: number;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/** By model-name prefix, most specific first. */
const LIST_PRICES: [prefix: string, price: Price][] = [
  ["claude-opus-4-5", { inputPerMTok: 5, outputPerMTok: 25 }],
  ["claude-opus-4", { inputPerMTok: 15, outputPerMTok: 75 }],
  ["claude-sonnet", { inputPerMTok: 3, outputPerMTok: 15 }],
  ["claude-haiku-4", { inputPerMTok: 1, outputPerMTok: 5 }],
  ["claude-3-5-haiku", { inputPerMTok: 0.8, outputPerMTok: 4 }],
];
/** An unknown model is priced as a Sonnet until the operator sets the PO_PRICE_* vars. */
const FALLBACK: Price = { inputPerMTok: 3, outputPerMTok: 15 };

/** The configured price wins; then the list; then the fallback. NaN fields mean "not configured". */
export function priceOf(model: string, configured: Price): Price {
  const listed = LIST_PRICES.find(([prefix]) => model.startsWith(prefix))?.[1] ?? FALLBACK;
  return {
    inputPerMTok: Number.isNaN(configured.inputPerMTok) ? listed.inputPerMTok : configured.inputPerMTok,
    outputPerMTok: Number.isNaN(configured.outputPerMTok) ? listed.outputPerMTok : configured.outputPerMTok,
  };
}

export function costUsd(usage: Usage, price: Price): number {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const input = usage.input_tokens * price.inputPerMTok + cacheRead * price.inputPerMTok * 0.1;
  const write = cacheWrite * price.inputPerMTok * 1.25;
  return (input + write + usage.output_tokens * price.outputPerMTok) / 1_000_000;
}
