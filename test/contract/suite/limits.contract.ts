import { GeneralAugmentAPIError, GeneralAugmentClient } from '@genaug/sdk';
import { http } from '../../support/test-server';
import { LIMIT_REASONS, type LimitReason, type Target } from '../support/targets';

// 402 and 429 as app code meets them: a stable reason to switch on, the limit that was hit,
// Retry-After on 429s, and nothing an SDK would retry in a tight loop.

const STATUS: Record<LimitReason, number> = {
  rate_limit_exceeded: 429,
  user_rate_limit_exceeded: 429,
  daily_turn_limit_reached: 402,
  project_budget_exceeded: 402,
  user_budget_exceeded: 402,
  feature_budget_exceeded: 402,
};
const LIMIT_TYPE: Record<LimitReason, string> = {
  rate_limit_exceeded: 'requests_per_minute',
  user_rate_limit_exceeded: 'user_burst',
  daily_turn_limit_reached: 'agent_turns_per_day',
  project_budget_exceeded: 'project_budget',
  user_budget_exceeded: 'user_budget',
  feature_budget_exceeded: 'feature_budget',
};

export function limitsContract(target: () => Target): void {
  /** Turns with the scenario's key and user until one is refused (at most a few). */
  async function refusedTurn(reason: LimitReason) {
    const { apiKey, user } = await target().limitScenario!(reason);
    for (let attempt = 0; ; attempt++) {
      const res = await http(`${target().baseUrl}/v1/responses`, {
        headers: { authorization: `Bearer ${apiKey}` },
        body: { model: 'balanced', user, input: 'hi', metadata: { feature: 'limits-contract' } },
      });
      if (res.status !== 200 || attempt === 3) return res;
    }
  }

  describe('limits (402 and 429)', () => {
    it.each(LIMIT_REASONS.map((reason) => [reason, STATUS[reason]]))('answers %s with %i, the limit and its reset', async (reason, status) => {
      const res = await refusedTurn(reason as LimitReason);
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({
        error: { message: expect.any(String), type: status === 429 ? 'rate_limit_error' : 'insufficient_quota', code: reason, param: null },
        reason,
        limit: { type: LIMIT_TYPE[reason as LimitReason], resets_at: expect.any(String) },
      });
      expect(res.headers.get('x-request-id')).toMatch(/^req_/);
      expect(res.headers.get('x-ratelimit-limit')).toMatch(/^\d+$/);
      if (status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      else expect(res.headers.get('retry-after')).toBeNull();
    });

    it('reaches the SDK as a typed error with the reason and Retry-After, after a bounded number of tries', async () => {
      const { apiKey, user } = await target().limitScenario!('rate_limit_exceeded');
      const sleeps: number[] = [];
      const client = new GeneralAugmentClient({ apiKey, baseUrl: target().baseUrl, sleep: async (ms) => void sleeps.push(ms) });
      // The first turn may still fit the limit; the key's next requests do not.
      await client.createResponse({ model: 'balanced', user, input: 'hi' }).catch(() => undefined);
      const err = await client.createResponse({ model: 'balanced', user, input: 'hi' }, { idempotencyKey: 'limits-contract-1' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GeneralAugmentAPIError);
      expect(err).toMatchObject({ status: 429, reason: 'rate_limit_exceeded', retryAfter: expect.any(Number) });
      // Two retries after Retry-After, then the error: no tight loop.
      expect(sleeps).toHaveLength(2);
      expect(Math.min(...sleeps)).toBeGreaterThanOrEqual((err as GeneralAugmentAPIError).retryAfter! * 1000);
    });
  });
}
