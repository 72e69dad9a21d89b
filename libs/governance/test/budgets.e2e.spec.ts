import { ManualClock } from '@genaug/kernel';
import { startFakeOpenAI, type FakeUpstream } from '../../../test/support/upstreams';
import { createProject, http, startReplicas, waitFor, type Replicas } from './support/governed-servers';

// Budget caps and the daily plan limit through real HTTP, on two API processes sharing one
// database. The model is a local OpenAI-compatible server reporting fixed usage, priced so a
// turn costs exactly 10 × $100/M + 16 × $1000/M = $0.017.

const TURN_COST = 0.017;
const CAP = 0.18;

describe('budgets and plan limits', () => {
  const clock = new ManualClock(new Date('2026-03-10T12:00:00Z'));
  let r: Replicas;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await startFakeOpenAI({ reply: { text: 'Your order ships tomorrow morning, tracking to follow.', usage: { inputTokens: 10, outputTokens: 16 } }, chunkDelayMs: 15 });
    r = await startReplicas('budgets', 2, clock);
  });
  afterAll(async () => {
    await r.close();
    await upstream.close();
  });

  const models = (url: string) => ({
    providers: { metered: { kind: 'openai', baseUrl: url, apiKey: 'k', maxRetries: 0 } },
    tiers: { balanced: ['metered/gpt-budget'] },
    prices: { 'gpt-budget': { inputPerMillion: 100, outputPerMillion: 1000 } },
  });
  const body = (i: number, extra: Record<string, unknown> = {}) => ({
    model: 'balanced',
    user: `shopper-${i}`,
    input: 'Where is my order?',
    max_output_tokens: 16,
    metadata: { feature: 'order-status' },
    ...extra,
  });
  const post = (i: number, apiKey: string, extra: Record<string, unknown> = {}, signal?: AbortSignal) =>
    fetch(`${r.urls[i % 2]}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body(i, extra)),
      signal,
    });

  /** Waits for every admitted turn to settle, then reads what the ledger and the log say was spent. */
  async function spending(projectId: string) {
    await waitFor(async () => {
      const held = await r.db.pool.query('select count(*)::int as n from genaug_turn_reservations where project_id = $1', [projectId]);
      return held.rows[0].n === 0;
    }, 'turns to settle');
    const ledger = await r.db.pool.query(
      `select spent_usd::float8 as spent, reserved_usd::float8 as reserved from genaug_usage_ledger where project_id = $1 and scope = 'project' and period = '2026-03-10'`,
      [projectId],
    );
    const recorded = await r.db.pool.query(
      `select (data->>'cost_usd')::float8 as cost, data->>'outcome' as outcome from genaug_events where project_id = $1 and type = 'UsageRecorded'`,
      [projectId],
    );
    return { spent: ledger.rows[0].spent as number, reserved: ledger.rows[0].reserved as number, recorded: recorded.rows as { cost: number; outcome: string }[] };
  }

  function expectBudgetRefusal(status: number, payload: any) {
    expect(status).toBe(402);
    expect(payload).toMatchObject({
      reason: 'project_budget_exceeded',
      error: { type: 'insufficient_quota', code: 'project_budget_exceeded' },
      limit: { type: 'project_budget', period: 'day', limit_usd: CAP, period_start: '2026-03-10T00:00:00.000Z', resets_at: '2026-03-11T00:00:00.000Z' },
    });
  }

  function expectWithinCap(spent: number, answered: number) {
    // Every reservation covers its turn's cost, so the cap holds exactly, with at most one turn's cost left unused.
    expect(spent).toBeLessThanOrEqual(CAP);
    expect(spent).toBeGreaterThan(CAP - 2 * TURN_COST);
    expect(spent).toBeCloseTo(answered * TURN_COST, 9);
  }

  it('lets 100 concurrent turns spend no more than the cap, and refuses the rest with 402', async () => {
    const { projectId, apiKey } = await createProject(r, { models: models(upstream.url), governance: { budgets: { project: { daily_usd: CAP } } } });
    const results = await Promise.all(Array.from({ length: 100 }, async (_, i) => {
      const res = await post(i, apiKey);
      return { status: res.status, body: await res.json() };
    }));
    const answered = results.filter((x) => x.status === 200);
    expect(answered.length).toBeGreaterThanOrEqual(9);
    for (const x of results.filter((x) => x.status !== 200)) expectBudgetRefusal(x.status, x.body);
    const { spent, reserved, recorded } = await spending(projectId);
    expectWithinCap(spent, answered.length);
    expect(reserved).toBe(0);
    expect(recorded).toHaveLength(answered.length);
    expect(recorded.every((u) => u.cost === TURN_COST)).toBe(true);
  });

  it('meters streamed turns at what the model used, and holds the cap under 100 concurrent streams', async () => {
    const { projectId, apiKey } = await createProject(r, { models: models(upstream.url), governance: { budgets: { project: { daily_usd: CAP } } } });
    const results = await Promise.all(Array.from({ length: 100 }, async (_, i) => {
      const res = await post(i, apiKey, { stream: true });
      const text = await res.text();
      return { status: res.status, text };
    }));
    const streamed = results.filter((x) => x.status === 200);
    expect(streamed.length).toBeGreaterThanOrEqual(9);
    for (const x of streamed) expect(x.text).toContain('"type":"response.completed"');
    for (const x of results.filter((x) => x.status !== 200)) expectBudgetRefusal(x.status, JSON.parse(x.text));
    const { spent, recorded } = await spending(projectId);
    expectWithinCap(spent, streamed.length);
    expect(recorded.map((u) => u.cost)).toEqual(streamed.map(() => TURN_COST));
  });

  it('meters streams whose clients hung up mid-answer, within the cap', async () => {
    const { projectId, apiKey } = await createProject(r, { models: models(upstream.url), governance: { budgets: { project: { daily_usd: CAP } } } });
    const statuses = await Promise.all(Array.from({ length: 100 }, async (_, i) => {
      const abort = new AbortController();
      const res = await post(i, apiKey, { stream: true }, abort.signal);
      if (res.status === 200) {
        // Read the first event, then go away without a word.
        const reader = res.body!.getReader();
        await reader.read();
        abort.abort();
      } else {
        expectBudgetRefusal(res.status, await res.json());
      }
      return res.status;
    }));
    const admitted = statuses.filter((s) => s === 200).length;
    expect(admitted).toBeGreaterThanOrEqual(9);
    const { spent, recorded } = await spending(projectId);
    expectWithinCap(spent, admitted);
    // The turns ran to the end without their clients, and each was metered in full.
    expect(recorded.map((u) => [u.outcome, u.cost])).toEqual(Array.from({ length: admitted }, () => ['completed', TURN_COST]));
  });

  it('meters a failed turn with what its model calls used', async () => {
    const failing = await startFakeOpenAI({
      reply: () => {
        // The first answer does not match the schema; the repair call then fails upstream.
        failing.options.failFirst = { count: 10, status: 500 };
        return { text: 'not json at all', usage: { inputTokens: 10, outputTokens: 16 } };
      },
    });
    try {
      const { projectId, apiKey } = await createProject(r, { models: models(failing.url), governance: { budgets: { project: { daily_usd: CAP } } } });
      const res = await post(0, apiKey, {
        text: { format: { type: 'json_schema', name: 'order', strict: true, schema: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'], additionalProperties: false } } },
      });
      expect(res.status).toBe(502);
      const { spent, reserved, recorded } = await spending(projectId);
      expect(recorded).toEqual([{ outcome: 'failed', cost: TURN_COST }]);
      expect(spent).toBe(TURN_COST);
      expect(reserved).toBe(0);
    } finally {
      await failing.close();
    }
  });

  it('meters a turn its model cut off mid-answer at what the model had produced', async () => {
    const dropping = await startFakeOpenAI({
      reply: { text: 'Your order ships tomorrow morning, tracking to follow.', usage: { inputTokens: 10, outputTokens: 16 } },
      chunkDelayMs: 5,
      breakMidStream: 'drop',
    });
    try {
      const { projectId, apiKey } = await createProject(r, { models: models(dropping.url), governance: { budgets: { project: { daily_usd: CAP } } } });
      const res = await post(0, apiKey, { stream: true });
      expect(await res.text()).toContain('event: response.failed');
      const { spent, reserved, recorded } = await spending(projectId);
      expect(recorded).toHaveLength(1);
      expect(recorded[0].outcome).toBe('failed');
      expect(recorded[0].cost).toBeGreaterThan(0);
      expect(spent).toBeCloseTo(recorded[0].cost, 9);
      expect(reserved).toBe(0);
      // The upstream reported nothing: the call says its usage is an estimate.
      const called = await r.db.pool.query(`select data from genaug_events where project_id = $1 and type = 'ModelCalled'`, [projectId]);
      expect(called.rows.map((row) => row.data)).toEqual([expect.objectContaining({ outcome: 'error', usage_estimated: true })]);
    } finally {
      await dropping.close();
    }
  });

  it('caps each user and each feature on their own', async () => {
    const { projectId, apiKey } = await createProject(r, {
      models: models(upstream.url),
      governance: { budgets: { user: { daily_usd: 0.04 }, feature: { monthly_usd: 0.1 } } },
    });
    const one = (user: string, feature: string) =>
      http(`${r.urls[0]}/v1/responses`, {
        headers: { authorization: `Bearer ${apiKey}` },
        body: { model: 'balanced', user, input: 'Where is my order?', max_output_tokens: 16, metadata: { feature } },
      });
    expect((await one('ann', 'order-status')).status).toBe(200);
    expect((await one('ann', 'order-status')).status).toBe(200);
    const userRefused = await one('ann', 'order-status');
    expect(userRefused.status).toBe(402);
    expect(userRefused.body).toMatchObject({ reason: 'user_budget_exceeded', limit: { scope: 'user', user: 'ann', period: 'day', limit_usd: 0.04 } });
    expect(userRefused.body.limit.spent_usd).toBeCloseTo(2 * TURN_COST, 9);

    for (const user of ['ben', 'cat', 'dan']) expect((await one(user, 'order-status')).status).toBe(200);
    const featureRefused = await one('eve', 'order-status');
    expect(featureRefused.status).toBe(402);
    // Refused before anything is written: no event names her, and no key was made to seal her words.
    const written = await r.db.pool.query(
      `select (select count(*)::int from genaug_events where project_id = $1 and metadata->>'user' = 'eve') as events,
              (select count(*)::int from genaug_subject_keys where project_id = $1 and subject = 'eve') as keys`,
      [projectId],
    );
    expect(written.rows[0]).toEqual({ events: 0, keys: 0 });
    expect(featureRefused.body).toMatchObject({
      reason: 'feature_budget_exceeded',
      limit: { scope: 'feature', feature: 'order-status', period: 'month', limit_usd: 0.1, resets_at: '2026-04-01T00:00:00.000Z' },
    });
    expect((await one('eve', 'returns')).status).toBe(200);
  });

  it('resets the daily turn limit at midnight in the project time zone (UTC by default)', async () => {
    clock.set('2026-03-10T23:59:00Z');
    const utc = await createProject(r, { governance: { agent_turns_per_day: 1 } });
    const ny = await createProject(r, { timezone: 'America/New_York', governance: { agent_turns_per_day: 1 } });
    const turn = (apiKey: string) => http(`${r.urls[1]}/v1/responses`, { headers: { authorization: `Bearer ${apiKey}` }, body: { model: 'simple', input: 'Hi' } });

    expect((await turn(utc.apiKey)).status).toBe(200);
    expect((await turn(ny.apiKey)).status).toBe(200);
    const utcRefused = await turn(utc.apiKey);
    expect(utcRefused.status).toBe(402);
    expect(utcRefused.body).toMatchObject({
      reason: 'daily_turn_limit_reached',
      limit: { type: 'agent_turns_per_day', period: 'day', limit: 1, used: 1, period_start: '2026-03-10T00:00:00.000Z', resets_at: '2026-03-11T00:00:00.000Z' },
    });
    const nyRefused = await turn(ny.apiKey);
    // 19:59 in New York (EDT, UTC-4): its day ends at 04:00 UTC.
    expect(nyRefused.body).toMatchObject({ reason: 'daily_turn_limit_reached', limit: { resets_at: '2026-03-11T04:00:00.000Z' } });

    clock.set('2026-03-11T00:00:00Z');
    expect((await turn(utc.apiKey)).status).toBe(200);
    expect((await turn(ny.apiKey)).status).toBe(402);
    clock.set('2026-03-11T04:00:00Z');
    expect((await turn(ny.apiKey)).status).toBe(200);
    expect((await turn(utc.apiKey)).status).toBe(402);
  });

  it('answers an idempotent retry from its first turn even after a limit was reached since', async () => {
    clock.set('2026-03-12T10:00:00Z');
    const { apiKey } = await createProject(r, { governance: { agent_turns_per_day: 1 } });
    const turn = (url: string, headers: Record<string, string> = {}) =>
      http(`${url}/v1/responses`, { headers: { authorization: `Bearer ${apiKey}`, ...headers }, body: { model: 'simple', input: 'Hi' } });
    const first = await turn(r.urls[0], { 'x-idempotency-key': 'order-42' });
    expect(first.status).toBe(200);
    expect((await turn(r.urls[1])).status).toBe(402);
    // The retry starts no turn, so the daily limit does not refuse it; the key's rate limit still counts it.
    const retry = await turn(r.urls[1], { 'x-idempotency-key': 'order-42' });
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers.get('x-ratelimit-limit')).not.toBeNull();
  });
});
