import type { ModelPrice } from '@genaug/models';

/** Output a turn may produce when it sets no max_output_tokens: what its reservation assumes. */
export const DEFAULT_OUTPUT_RESERVE_TOKENS = 4096;
/** The instruction a structured-output repair adds, in tokens, generously. */
const REPAIR_PROMPT_TOKENS = 256;

export interface TurnSize {
  /** UTF-8 bytes of everything the model reads: context, instructions, memory, tools, schema. */
  inputBytes: number;
  maxOutputTokens: number | null | undefined;
  /** The answer is validated and may be asked for once more (strict structured output). */
  mayRepair: boolean;
}

/**
 * A turn's worst-case cost in USD, reserved against the budgets before the model is called:
 * input estimated high (a token per 3 bytes, where English averages 4 characters and CJK one
 * character of 3 bytes), the whole output allowance, at the dearest model that may answer.
 */
export function worstCaseCostUsd(size: TurnSize, prices: Array<ModelPrice | undefined>): number {
  const input = Math.ceil(size.inputBytes / 3);
  const output = size.maxOutputTokens ?? DEFAULT_OUTPUT_RESERVE_TOKENS;
  let worst = 0;
  for (const price of prices) {
    if (!price) continue;
    const call = (inTokens: number) => (inTokens * price.inputPerMillion + output * price.outputPerMillion) / 1e6;
    const cost = call(input) + (size.mayRepair ? call(input + output + REPAIR_PROMPT_TOKENS) : 0);
    worst = Math.max(worst, cost);
  }
  // Rounded up to the ledger's precision, so a reservation is never below the cost it covers.
  return Math.ceil(worst * 1e10) / 1e10;
}
