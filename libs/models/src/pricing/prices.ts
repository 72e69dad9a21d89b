import type { ModelUsage } from '../model-stream';

/** USD per million tokens. Cached input defaults to the input price when not given. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
  cachedInputPerMillion?: number;
}

/** Keyed by model name (matching dated variants too) or by "provider/model". */
export type PriceTable = Record<string, ModelPrice>;

const price = (inputPerMillion: number, outputPerMillion: number, cachedInputPerMillion?: number): ModelPrice =>
  cachedInputPerMillion === undefined ? { inputPerMillion, outputPerMillion } : { inputPerMillion, outputPerMillion, cachedInputPerMillion };

// List prices at the time of writing; projects override them in their settings.
export const DEFAULT_PRICES: PriceTable = {
  // Not free on purpose, so cost shows up end to end with the local models too.
  'local-simple': price(0.1, 0.4),
  'local-balanced': price(0.5, 2),
  'local-complex': price(2, 8),

  'gpt-4o': price(2.5, 10, 1.25),
  'gpt-4o-mini': price(0.15, 0.6, 0.075),
  'gpt-4.1': price(2, 8, 0.5),
  'gpt-4.1-mini': price(0.4, 1.6, 0.1),
  'gpt-4.1-nano': price(0.1, 0.4, 0.025),
  'gpt-5': price(1.25, 10, 0.125),
  'gpt-5-mini': price(0.25, 2, 0.025),
  'gpt-5-nano': price(0.05, 0.4, 0.005),
  o3: price(2, 8, 0.5),
  'o4-mini': price(1.1, 4.4, 0.275),

  'claude-opus-4-5': price(5, 25, 0.5),
  'claude-opus-4-1': price(15, 75, 1.5),
  'claude-opus-4': price(15, 75, 1.5),
  'claude-sonnet-4-5': price(3, 15, 0.3),
  'claude-sonnet-4': price(3, 15, 0.3),
  'claude-haiku-4-5': price(1, 5, 0.1),
  'claude-3-5-haiku': price(0.8, 4, 0.08),
};

/**
 * The price of a model: "provider/model" first, then the model name, then the longest name
 * the model starts with ("claude-sonnet-4-5-20250929" is priced as "claude-sonnet-4-5").
 */
export function priceFor(model: string, prices: PriceTable = DEFAULT_PRICES): ModelPrice | undefined {
  if (prices[model]) return prices[model];
  const bare = model.includes('/') ? model.slice(model.indexOf('/') + 1) : model;
  if (prices[bare]) return prices[bare];
  let best: string | undefined;
  for (const name of Object.keys(prices)) {
    if (bare.startsWith(`${name}-`) && (!best || name.length > best.length)) best = name;
  }
  return best ? prices[best] : undefined;
}

/** What a call cost in USD; 0 for a model with no price. */
export function costUsd(model: string, usage: ModelUsage, prices: PriceTable = DEFAULT_PRICES): number {
  const p = priceFor(model, prices);
  if (!p) return 0;
  const cached = Math.min(usage.cachedTokens ?? 0, usage.inputTokens);
  const cost =
    (usage.inputTokens - cached) * p.inputPerMillion +
    cached * (p.cachedInputPerMillion ?? p.inputPerMillion) +
    usage.outputTokens * p.outputPerMillion;
  // Per-million arithmetic in floating point leaves noise in the last digits; 1e-10 USD is plenty.
  return Math.round(cost * 1e4) / 1e10;
}
