import { costUsd, DEFAULT_PRICES, priceFor } from '@genaug/models';

describe('pricing', () => {
  it('charges input and output per million tokens', () => {
    expect(costUsd('gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBe(0.75);
    expect(costUsd('claude-haiku-4-5', { inputTokens: 2_000, outputTokens: 500 })).toBe(0.0045);
  });

  it('charges cached input at the cached price, and at the input price when there is none', () => {
    expect(costUsd('gpt-4o', { inputTokens: 1_000_000, outputTokens: 0, cachedTokens: 400_000 })).toBe(2.5 * 0.6 + 1.25 * 0.4);
    expect(costUsd('local-balanced', { inputTokens: 1_000_000, outputTokens: 0, cachedTokens: 500_000 })).toBe(0.5);
  });

  it('prices the local models, so cost is never silently zero', () => {
    for (const model of ['local-simple', 'local-balanced', 'local-complex']) {
      expect(costUsd(model, { inputTokens: 100, outputTokens: 100 })).toBeGreaterThan(0);
    }
    expect(costUsd('local-complex', { inputTokens: 100, outputTokens: 100 })).toBeGreaterThan(costUsd('local-simple', { inputTokens: 100, outputTokens: 100 }));
  });

  it('prices dated variants by the longest model name they start with', () => {
    expect(priceFor('claude-haiku-4-5-20251001')).toBe(DEFAULT_PRICES['claude-haiku-4-5']);
    expect(priceFor('gpt-4o-mini-2024-07-18')).toBe(DEFAULT_PRICES['gpt-4o-mini']);
    expect(priceFor('gpt-4o-2024-08-06')).toBe(DEFAULT_PRICES['gpt-4o']);
    expect(priceFor('openai/gpt-4.1-nano')).toBe(DEFAULT_PRICES['gpt-4.1-nano']);
  });

  it('lets a table override by model or by provider/model, and charges nothing for an unknown model', () => {
    const prices = { ...DEFAULT_PRICES, 'gpt-4o-mini': { inputPerMillion: 1, outputPerMillion: 2 }, 'azure/gpt-4o-mini': { inputPerMillion: 3, outputPerMillion: 3 } };
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
    expect(costUsd('openai/gpt-4o-mini', usage, prices)).toBe(3);
    expect(costUsd('azure/gpt-4o-mini', usage, prices)).toBe(6);
    expect(costUsd('mystery-model', usage, prices)).toBe(0);
  });

  it('rounds away floating point noise', () => {
    expect(costUsd('gpt-4o-mini', { inputTokens: 3, outputTokens: 7 })).toBe(0.00000465);
  });
});
