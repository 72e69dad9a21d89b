import { bucketState, DEFAULT_OUTPUT_RESERVE_TOKENS, keyRateLimited, rateLimitHeaders, refusalError, worstCaseCostUsd } from '@genaug/governance';

describe('rate limit buckets', () => {
  const bucket = { limit: 10, periodMs: 60_000 };

  it('reports what is left and when the bucket is full again', () => {
    // Three requests at t=0: the bucket's time is three intervals (18 s) ahead.
    const s = bucketState(bucket, true, 18_000, 0);
    expect(s).toEqual({ allowed: true, limit: 10, remaining: 7, resetSeconds: 18, retryAfterSeconds: 0 });
    expect(rateLimitHeaders(s)).toEqual({ 'X-RateLimit-Limit': '10', 'X-RateLimit-Remaining': '7', 'X-RateLimit-Reset': '18' });
  });

  it('says to retry when the next request fits, rounded up to whole seconds', () => {
    const full = bucketState(bucket, false, 60_000, 0);
    expect(full.retryAfterSeconds).toBe(6);
    const later = bucketState(bucket, false, 60_000, 1_500);
    expect(later.retryAfterSeconds).toBe(5); // 4.5 s to go
    const err = keyRateLimited(later, new Date('2026-03-01T00:00:00Z'));
    expect(err.status).toBe(429);
    expect(err.headers['Retry-After']).toBe('5');
    expect(err.toBody()).toMatchObject({ reason: 'rate_limit_exceeded', limit: { limit: 10, period: 'minute', retry_after_seconds: 5 } });
  });
});

describe('worst-case turn cost', () => {
  const cheap = { inputPerMillion: 1, outputPerMillion: 2 };
  const dear = { inputPerMillion: 10, outputPerMillion: 30 };

  it('prices the input high and the whole output allowance at the dearest fallback', () => {
    const cost = worstCaseCostUsd({ inputBytes: 300, maxOutputTokens: 100, mayRepair: false }, [cheap, dear]);
    expect(cost).toBeCloseTo((100 * 10 + 100 * 30) / 1e6, 12);
  });

  it('assumes the default output allowance, and a repair call for validated answers', () => {
    const plain = worstCaseCostUsd({ inputBytes: 30, maxOutputTokens: null, mayRepair: false }, [cheap]);
    expect(plain).toBeCloseTo((10 + DEFAULT_OUTPUT_RESERVE_TOKENS * 2) / 1e6, 12);
    const repaired = worstCaseCostUsd({ inputBytes: 30, maxOutputTokens: 50, mayRepair: true }, [cheap]);
    expect(repaired).toBeCloseTo((10 + 100) / 1e6 + ((10 + 50 + 256) + 100) / 1e6, 12);
  });

  it('is zero for models without a price', () => {
    expect(worstCaseCostUsd({ inputBytes: 1000, maxOutputTokens: 100, mayRepair: false }, [undefined])).toBe(0);
  });
});

describe('402 refusals', () => {
  const ctx = { timeZone: 'Europe/Paris', now: new Date('2026-03-10T12:00:00Z'), requestedUsd: 0.02, burst: { requests: 5, windowSeconds: 10 } };

  it('names the budget, its period and when it resets', () => {
    const err = refusalError(
      { reason: 'feature_budget_exceeded', scope: 'feature', subject: 'checkout', period: '2026-03', limit: 5, used: 4.99, reserved: 0.005, retryAfterMs: 0 },
      ctx,
    );
    expect(err.status).toBe(402);
    expect(err.toBody()).toEqual({
      error: expect.objectContaining({ code: 'feature_budget_exceeded', type: 'insufficient_quota' }),
      reason: 'feature_budget_exceeded',
      limit: {
        type: 'feature_budget',
        scope: 'feature',
        feature: 'checkout',
        period: 'month',
        limit_usd: 5,
        spent_usd: 4.99,
        reserved_usd: 0.005,
        requested_usd: 0.02,
        period_start: '2026-02-28T23:00:00.000Z',
        resets_at: '2026-03-31T22:00:00.000Z',
      },
    });
  });

  it('gives the daily turn limit its reset, and a burst refusal its Retry-After', () => {
    const daily = refusalError(
      { reason: 'daily_turn_limit_reached', scope: 'project', subject: '', period: '2026-03-10', limit: 100, used: 100, reserved: 0, retryAfterMs: 0 },
      ctx,
    );
    expect(daily.toBody()).toMatchObject({ reason: 'daily_turn_limit_reached', limit: { limit: 100, used: 100, period: 'day', resets_at: '2026-03-10T23:00:00.000Z' } });
    const burst = refusalError(
      { reason: 'user_rate_limit_exceeded', scope: 'user', subject: 'u1', period: null, limit: 0, used: 0, reserved: 0, retryAfterMs: 1200 },
      ctx,
    );
    expect(burst.status).toBe(429);
    expect(burst.headers['Retry-After']).toBe('2');
    expect(burst.toBody()).toMatchObject({ reason: 'user_rate_limit_exceeded', limit: { type: 'user_burst', limit: 5, window_seconds: 10 } });
  });
});
