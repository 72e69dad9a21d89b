import { GeneralAugmentAPIError, GeneralAugmentClient } from '@genaug/sdk';
import { contractClient } from '../support/client';
import type { Target } from '../support/targets';

// 402 and 429 as app code meets them: a stable reason to switch on, Retry-After on 429s, and
// nothing an SDK would retry in a tight loop.

export function limitsContract(target: () => Target, limitUser: (reason: string) => string): void {
  const api = contractClient(target);

  describe('limits (402 and 429)', () => {
    it.each(['rate_limited', 'user_burst_limited'])('answers 429 %s with Retry-After and rate-limit headers', async (reason) => {
      const res = await api.post('/v1/responses', { model: 'balanced', user: limitUser(reason), input: 'hi' });
      expect(res.status).toBe(429);
      expect(res.body).toEqual({ error: { message: expect.any(String), type: 'rate_limit_error', code: reason, param: null }, reason });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    });

    it.each(['plan_limit_reached', 'budget_exceeded'])('answers 402 %s without Retry-After', async (reason) => {
      const res = await api.post('/v1/responses', { model: 'balanced', user: limitUser(reason), input: 'hi' });
      expect(res.status).toBe(402);
      expect(res.body).toEqual({ error: { message: expect.any(String), type: 'insufficient_quota', code: reason, param: null }, reason });
      expect(res.headers.get('retry-after')).toBeNull();
    });

    it('reaches the SDK as a typed error with the reason and Retry-After, after a bounded number of tries', async () => {
      const sleeps: number[] = [];
      const client = new GeneralAugmentClient({ apiKey: target().apiKey, baseUrl: target().baseUrl, sleep: async (ms) => void sleeps.push(ms) });
      const err = await client
        .createResponse({ model: 'balanced', user: limitUser('rate_limited'), input: 'hi' }, { idempotencyKey: 'limits-contract-1' })
        .then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(GeneralAugmentAPIError);
      expect(err).toMatchObject({ status: 429, reason: 'rate_limited', retryAfter: expect.any(Number) });
      // Two retries after Retry-After, then the error: no tight loop.
      expect(sleeps).toHaveLength(2);
      expect(Math.min(...sleeps)).toBeGreaterThanOrEqual((err as GeneralAugmentAPIError).retryAfter! * 1000);
    });
  });
}
