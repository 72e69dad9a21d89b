import { consumerLag, resetCheckpoint } from '@genaug/event-store';
import { ManualClock } from '@genaug/kernel';
import { verifyWebhookSignature } from '@genaug/webhooks';
import { createProject, http, startReceiver, startReplicas, waitFor, type Replicas } from './support/governed-servers';

// Usage-threshold webhooks at 80% and 100% of the daily turn limit, with turns spread over two
// API processes on one database, delivered to a real local receiver.

describe('usage-threshold webhooks', () => {
  const clock = new ManualClock(new Date('2026-03-10T12:00:00Z'));
  let r: Replicas;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    r = await startReplicas('usage_thresholds', 2, clock);
  });
  afterAll(async () => {
    await r.close();
    await receiver.close();
  });

  const admin = () => ({ 'x-admin-key': r.adminKey });
  const turn = (i: number, apiKey: string) =>
    http(`${r.urls[i % 2]}/v1/responses`, { headers: { authorization: `Bearer ${apiKey}` }, body: { model: 'simple', user: `member-${i}`, input: 'Summarise my week' } });
  const deliveries = async (projectId: string, query = '') =>
    (await http(`${r.urls[0]}/api/v1/admin/projects/${projectId}/webhook-deliveries${query}`, { headers: admin() })).body.data as any[];
  const forProject = (projectId: string) => receiver.received.filter((w) => JSON.parse(w.body).project_id === projectId);

  it('sends 80% and 100% exactly once each when 50 concurrent turns cross the limit', async () => {
    const { projectId, apiKey } = await createProject(r, {
      plan: 'pro',
      pricing_tier: 'growth',
      governance: { agent_turns_per_day: 20, billing_webhook_url: receiver.url },
    });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => turn(i, apiKey)));
    expect(results.filter((x) => x.status === 200)).toHaveLength(20);
    expect(results.filter((x) => x.status === 402).every((x) => x.body.reason === 'daily_turn_limit_reached')).toBe(true);

    const delivered = await waitFor(async () => {
      const log = await deliveries(projectId);
      return log.length === 2 && log.every((d) => d.status === 'delivered') && log;
    }, 'both threshold webhooks to be delivered');
    expect(delivered.map((d) => d.attempts.length)).toEqual([1, 1]);

    // Handling the threshold events again (a consumer that lost its checkpoint) sends nothing new.
    for (const name of ['usage-threshold-webhooks', 'webhook-delivery-requests']) await resetCheckpoint(r.db.pool, name);
    await waitFor(async () => {
      const lags = await Promise.all(
        [['usage-threshold-webhooks', 'UsageThresholdReached'], ['webhook-delivery-requests', 'WebhookDeliveryRequested']].map(([n, t]) => consumerLag(r.db.pool, n, [t])),
      );
      const queued = await r.db.pool.query('select count(*)::int as n from genaug_webhook_queue');
      return lags.every((l) => l.lagEvents === 0) && queued.rows[0].n === 0;
    }, 'the reactors to handle everything again');

    const sent = forProject(projectId);
    expect(sent).toHaveLength(2);
    const bodies = sent.map((w) => JSON.parse(w.body)).sort((a, b) => a.threshold_percent - b.threshold_percent);
    expect(bodies).toEqual([
      { event: 'usage.threshold', project_id: projectId, date: '2026-03-10', plan: 'pro', pricing_tier: 'growth', threshold_percent: 80, agent_turns_count: 16, agent_turns_per_day: 20, messages_count: 32 },
      { event: 'usage.threshold', project_id: projectId, date: '2026-03-10', plan: 'pro', pricing_tier: 'growth', threshold_percent: 100, agent_turns_count: 20, agent_turns_per_day: 20, messages_count: 40 },
    ]);
    const ledger = await r.db.pool.query(`select count(*)::int as n from genaug_events where stream_id = $1 and type = 'UsageThresholdReached'`, [
      `ledger-${projectId}-2026-03-10`,
    ]);
    expect(ledger.rows[0].n).toBe(2);

    const { secret } = (await http(`${r.urls[1]}/api/v1/admin/projects/${projectId}/webhook-signing-secret`, { headers: admin() })).body;
    for (const w of sent) {
      expect(w.headers['content-type']).toBe('application/json');
      expect(w.headers['x-general-augment-event']).toBe('usage.threshold');
      expect(w.headers['idempotency-key']).toBe(w.headers['x-general-augment-event-id']);
      expect(verifyWebhookSignature(secret, w.headers['x-general-augment-signature'] as string, w.body, clock.now())).toBe(true);
    }
  });

  it('retries through a receiver outage with backoff, recording every attempt, and delivers each threshold once', async () => {
    const { projectId, apiKey } = await createProject(r, { governance: { agent_turns_per_day: 5, billing_webhook_url: receiver.url } });
    receiver.failNext(4);
    for (let i = 0; i < 5; i++) expect((await turn(i, apiKey)).status).toBe(200);

    const attempts = (n: number) =>
      waitFor(async () => {
        const log = await deliveries(projectId);
        return log.length === 2 && log.every((d) => d.attempts.length === n) && log;
      }, `${n} attempts of both deliveries`);

    const first = await attempts(1);
    for (const d of first) {
      expect(d).toMatchObject({ status: 'pending', attempts: [{ attempt: 1, status_code: 503, error: 'HTTP 503' }] });
      expect(Date.parse(d.next_attempt_at) - Date.parse(d.attempts[0].attempted_at)).toBe(10_000);
    }
    clock.advance(10_000);
    const second = await attempts(2);
    expect(second.every((d) => d.attempts[1].status_code === 503 && Date.parse(d.next_attempt_at) - Date.parse(d.attempts[1].attempted_at) === 30_000)).toBe(true);
    clock.advance(30_000);
    const third = await waitFor(async () => {
      const log = await deliveries(projectId, '?status=delivered');
      return log.length === 2 && log;
    }, 'both deliveries to land');

    for (const d of third) {
      expect(d.attempts.map((a: any) => a.status_code)).toEqual([503, 503, 200]);
      expect(d.next_attempt_at).toBeNull();
    }
    const sent = forProject(projectId);
    expect(sent).toHaveLength(6);
    const byEvent = new Map<string, number[]>();
    for (const w of sent) byEvent.set(w.headers['x-general-augment-event-id'] as string, [...(byEvent.get(w.headers['x-general-augment-event-id'] as string) ?? []), w.status]);
    expect([...byEvent.values()]).toEqual([
      [503, 503, 200],
      [503, 503, 200],
    ]);
    expect(sent.map((w) => JSON.parse(w.body).threshold_percent).sort()).toEqual([100, 100, 100, 80, 80, 80]);
  });
});
