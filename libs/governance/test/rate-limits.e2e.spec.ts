import { ManualClock } from '@genaug/kernel';
import { createProject, http, startReplicas, type Replicas } from './support/governed-servers';

// Rate limits through real HTTP on two API processes sharing one database and one clock.

describe('rate limits', () => {
  const clock = new ManualClock(new Date('2026-03-10T12:00:00Z'));
  let r: Replicas;

  beforeAll(async () => {
    r = await startReplicas('rate_limits', 2, clock);
  });
  afterAll(async () => {
    await r.close();
  });

  const turn = (url: string, apiKey: string, body: Record<string, unknown> = {}) =>
    http(`${url}/v1/responses`, { headers: { authorization: `Bearer ${apiKey}` }, body: { model: 'simple', input: 'Hello there', ...body } });

  it('is one limit for two API processes, and its Retry-After is honoured', async () => {
    const { apiKey } = await createProject(r, { governance: { requests_per_minute: 10 } });
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => turn(r.urls[i % 2], apiKey)));
    expect(results.filter((res) => res.status === 200)).toHaveLength(10);
    const refused = results.filter((res) => res.status !== 200);
    expect(refused).toHaveLength(14);
    for (const res of refused) {
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({ reason: 'rate_limit_exceeded', error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
      expect(res.body.limit).toMatchObject({ type: 'requests_per_minute', limit: 10, period: 'minute', retry_after_seconds: 6 });
      expect(res.headers.get('retry-after')).toBe('6');
      expect(res.headers.get('x-ratelimit-limit')).toBe('10');
      expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    }

    // One second short of Retry-After is still too early; waiting exactly that long succeeds.
    clock.advance(5_000);
    expect((await turn(r.urls[1], apiKey)).status).toBe(429);
    clock.advance(1_000);
    const after = await turn(r.urls[0], apiKey);
    expect(after.status).toBe(200);
    expect(after.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('puts X-RateLimit headers on every /v1 response: answers, streams, errors', async () => {
    const { apiKey } = await createProject(r, { governance: { requests_per_minute: 100 } });
    const auth = { authorization: `Bearer ${apiKey}` };
    const ok = await turn(r.urls[0], apiKey);
    const streamed = await fetch(`${r.urls[1]}/v1/responses`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'simple', input: 'Stream please', stream: true }),
    });
    await streamed.text();
    const bad = await http(`${r.urls[0]}/v1/responses`, { headers: auth, body: { model: 'simple' } });
    const missing = await http(`${r.urls[1]}/v1/responses/resp_0123456789abcdef0123456789abcdef`, { headers: auth });
    const memory = await http(`${r.urls[0]}/v1/memory?user_id=someone`, { headers: auth });

    expect([ok.status, streamed.status, bad.status, missing.status]).toEqual([200, 200, 400, 404]);
    const seen = [ok.headers, streamed.headers, bad.headers, missing.headers, memory.headers];
    for (const h of seen) {
      expect(h.get('x-ratelimit-limit')).toBe('100');
      expect(Number(h.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    }
    expect(seen.map((h) => Number(h.get('x-ratelimit-remaining')))).toEqual([99, 98, 97, 96, 95]);
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
  });

  it('counts requests that fail before their turn is admitted, and other /v1 routes, answering 429 over the limit', async () => {
    const { apiKey } = await createProject(r, { governance: { requests_per_minute: 3 } });
    const auth = { authorization: `Bearer ${apiKey}` };
    const bad = () => http(`${r.urls[0]}/v1/responses`, { headers: auth, body: { model: 'simple' } });
    const unknownTier = () => turn(r.urls[1], apiKey, { model: 'no-such-tier' });
    expect([(await bad()).status, (await unknownTier()).status]).toEqual([400, 400]);
    const memory = await http(`${r.urls[0]}/v1/memory?user_id=someone`, { headers: auth });
    expect(memory.status).toBe(200);
    // The limit is spent: the next bad turn, memory read and good turn are all refused by it.
    for (const res of [await bad(), await http(`${r.urls[1]}/v1/memory?user_id=someone`, { headers: auth }), await turn(r.urls[0], apiKey)]) {
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({ reason: 'rate_limit_exceeded', limit: { type: 'requests_per_minute', limit: 3 } });
      expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    }
  });

  it('limits each app user to a burst of turns, leaving other users and the anonymous alone', async () => {
    const { apiKey } = await createProject(r, { governance: { user_burst: { requests: 3, window_seconds: 10 } } });
    const alice = await Promise.all(Array.from({ length: 4 }, () => turn(r.urls[0], apiKey, { user: 'alice' })));
    expect(alice.map((res) => res.status).sort()).toEqual([200, 200, 200, 429]);
    const refused = alice.find((res) => res.status === 429)!;
    // 10 s for 3 turns: one more fits 3.34 s later, rounded up.
    expect(refused.headers.get('retry-after')).toBe('4');
    expect(refused.body).toMatchObject({ reason: 'user_rate_limit_exceeded', limit: { type: 'user_burst', limit: 3, window_seconds: 10, retry_after_seconds: 4 } });
    expect(refused.headers.get('x-ratelimit-limit')).toBe('3000');

    expect((await turn(r.urls[1], apiKey, { user: 'bob' })).status).toBe(200);
    expect((await turn(r.urls[1], apiKey)).status).toBe(200);
    clock.advance(4_000);
    expect((await turn(r.urls[1], apiKey, { user: 'alice' })).status).toBe(200);
  });

  it('refuses bad governance settings with a 400 naming the field', async () => {
    const admin = { 'x-admin-key': r.adminKey };
    const zero = await http(`${r.urls[0]}/api/v1/admin/projects`, { headers: admin, body: { name: 'x', settings: { governance: { requests_per_minute: 0 } } } });
    expect(zero.status).toBe(400);
    expect(zero.body.error.param).toBe('settings.governance.requests_per_minute');
    const { projectId } = await createProject(r, {});
    const url = await http(`${r.urls[0]}/api/v1/admin/projects/${projectId}`, {
      method: 'PATCH',
      headers: admin,
      body: { settings: { governance: { billing_webhook_url: 'ftp://billing.example.com' } } },
    });
    expect(url.status).toBe(400);
    expect(url.body.error.param).toBe('settings.governance.billing_webhook_url');
    const cap = await http(`${r.urls[0]}/api/v1/admin/projects/${projectId}`, {
      method: 'PATCH',
      headers: admin,
      body: { settings: { governance: { budgets: { user: { weekly_usd: 5 } } } } },
    });
    expect(cap.status).toBe(400);
    expect(cap.body.error.param).toMatch(/^settings\.governance\.budgets\.user/);
  });
});
