import type { RunningServer } from '../../../apps/api/src/server';
import { startPgProxy, type PgProxy } from '../../../test/support/pg-proxy';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { http, startServerOver } from '../../../test/support/test-server';
import { startFakeOpenAI, type FakeUpstream } from '../../../test/support/upstreams';
import { waitFor } from '../../../test/support/wait-for';
import { TurnGate } from '@genaug/governance';
import { UnsettledTurns } from '../src/interrupted/unsettled-turns';

const ADMIN_KEY = 'gaadm_test_db_faults_0123456789abcdef';

/**
 * The database goes away while a turn waits for its model (every connection dropped, new ones
 * refused) and comes back two seconds later: the answer is kept until it can be recorded, and
 * the client gets it, recorded once.
 */
describe('a turn whose database connection drops before its outcome is recorded', () => {
  let db: TestDatabase;
  let proxy: PgProxy;
  let upstream: FakeUpstream;
  let server: RunningServer;

  beforeAll(async () => {
    db = await createTestDatabase('db_faults');
    proxy = await startPgProxy(db.url);
    upstream = await startFakeOpenAI({ delayMs: 1_200 });
    server = await startServerOver(proxy.url, ADMIN_KEY);
  });
  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await server.close();
    await proxy.close();
    await upstream.close();
    await db.drop();
  });

  /** A project whose turns go to the fake upstream; its key's authorization header. */
  const projectKey = async (name: string) => {
    const admin = { 'x-admin-key': ADMIN_KEY };
    const models = { providers: { up: { kind: 'openai', baseUrl: upstream.url, apiKey: 'k', maxRetries: 0 } }, tiers: { balanced: ['up/gpt-up'] } };
    const project = await http(`${server.url}/api/v1/admin/projects`, { headers: admin, body: { name, settings: { models } } });
    const key = await http(`${server.url}/api/v1/admin/projects/${project.body.id}/keys`, { headers: admin, body: { scopes: ['responses'] } });
    return { authorization: `Bearer ${key.body.key}` };
  };

  it('records the outcome once the database is back and answers with it', async () => {
    const auth = await projectKey('Faults');

    const answer = http(`${server.url}/v1/responses`, { headers: auth, body: { model: 'balanced', user: 'u-1', input: 'Confirm my booking' } });
    while (upstream.calls.length === 0) await new Promise((r) => setTimeout(r, 20));
    // The turn's request is recorded while the model is asked: wait for it.
    const started = async () => (await db.pool.query("select count(*)::int as n from genaug_events where type = 'TurnStarted'")).rows[0].n;
    while ((await started()) === 0) await new Promise((r) => setTimeout(r, 20));
    await proxy.cut();
    await new Promise((r) => setTimeout(r, 2_000)); // the model answered meanwhile
    await proxy.restore();

    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('completed');
    expect(res.body.output[0].content[0].text).toContain('Confirm my booking');
    const types = (await db.pool.query('select type from genaug_events where stream_id = $1 order by stream_version', [`turn-${res.body.id}`])).rows.map((r) => r.type);
    expect(types).toEqual(['TurnRequested', 'TurnStarted', 'ModelCalled', 'TurnCompleted', 'UsageRecorded']);
    const read = await http(`${server.url}/v1/responses/${res.body.id}`, { headers: auth });
    expect(read.body.status).toBe('completed');
  }, 60_000);

  it('finds its outcome recorded when the reply to that append was lost, and records it only once', async () => {
    const auth = await projectKey('Lost replies');

    // The outcome's append reaches the database and commits; its reply never comes back.
    proxy.loseReplyTo('"type":"TurnCompleted"');
    const answer = http(`${server.url}/v1/responses`, { headers: auth, body: { model: 'balanced', user: 'u-2', input: 'Cancel my booking' } });

    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body.output[0].content[0].text).toContain('Cancel my booking');
    const types = (await db.pool.query('select type from genaug_events where stream_id = $1 order by stream_version', [`turn-${res.body.id}`])).rows.map((r) => r.type);
    expect(types).toEqual(['TurnRequested', 'TurnStarted', 'ModelCalled', 'TurnCompleted', 'UsageRecorded']);
  }, 60_000);

  it("finds its request recorded when the reply to that append was lost, and goes on to answer", async () => {
    const auth = await projectKey('Request reply lost');
    // The turn's request reaches the database and commits; its reply never comes back. Answered
    // with an error, it would be a recorded turn that no one ends.
    proxy.loseReplyTo('"type":"TurnRequested"');
    const res = await http(`${server.url}/v1/responses`, { headers: auth, body: { model: 'balanced', user: 'u-6', input: 'Rebook me' } });
    expect(res.status).toBe(200);
    expect(res.body.output[0].content[0].text).toContain('Rebook me');
    const types = (await db.pool.query('select type from genaug_events where stream_id = $1 order by stream_version', [`turn-${res.body.id}`])).rows.map((r) => r.type);
    expect(types).toEqual(['TurnRequested', 'TurnStarted', 'ModelCalled', 'TurnCompleted', 'UsageRecorded']);
  }, 60_000);

  it('finds its key claimed and its request recorded when the reply to that append was lost', async () => {
    const auth = { ...(await projectKey('Claim reply lost')), 'x-idempotency-key': 'rebook-7' };
    const calls = upstream.calls.length;
    proxy.loseReplyTo('"type":"IdempotencyKeyClaimed"');
    const body = { model: 'balanced', user: 'u-7', input: 'Rebook me once' };
    const res = await http(`${server.url}/v1/responses`, { headers: auth, body });
    expect(res.status).toBe(200);
    const retry = await http(`${server.url}/v1/responses`, { headers: auth, body });
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(res.body.id);
    expect(upstream.calls.length - calls).toBe(1);
    const types = (await db.pool.query('select type from genaug_events where stream_id = $1 order by stream_version', [`turn-${res.body.id}`])).rows.map((r) => r.type);
    expect(types).toEqual(['TurnRequested', 'TurnStarted', 'ModelCalled', 'TurnCompleted', 'UsageRecorded']);
  }, 60_000);

  it('answers 503 with Retry-After while the database is unreachable, and serves again once it is back', async () => {
    const auth = await projectKey('Unreachable');
    await proxy.cut();
    try {
      const res = await http(`${server.url}/v1/responses`, { headers: auth, body: { model: 'balanced', input: 'Anyone there?' } });
      expect(res.status).toBe(503);
      expect(res.body.reason).toBe('service_unavailable');
      expect(res.headers.get('retry-after')).toBe('1');
    } finally {
      await proxy.restore();
    }
    const again = await http(`${server.url}/v1/responses`, { headers: auth, body: { model: 'balanced', input: 'Anyone there?' } });
    expect(again.status).toBe(200);
  }, 60_000);

  it('settles the turn once the database is back when it went away just after the outcome', async () => {
    const auth = await projectKey('Settled later');
    const cut = proxy.cutAfterReplyTo('"type":"TurnCompleted"');
    const res = await http(`${server.url}/v1/responses`, { headers: auth, body: { model: 'balanced', user: 'u-3', input: 'Settle up' } });
    expect(res.status).toBe(200);
    await cut;
    await new Promise((r) => setTimeout(r, 1_000)); // settling fails meanwhile
    const held = async () => (await db.pool.query('select count(*)::int as n from genaug_turn_reservations where response_id = $1', [res.body.id])).rows[0].n;
    expect(await held()).toBe(1);
    await proxy.restore();
    const deadline = Date.now() + 15_000;
    while ((await held()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await held()).toBe(0);
    const day = await db.pool.query(
      "select turns_admitted, turns_counted from genaug_usage_ledger where project_id = (select project_id from genaug_events where stream_id = 'turn-' || $1 limit 1) and scope = 'project' and subject = '' and period ~ '^\\d{4}-\\d{2}-\\d{2}$'",
      [res.body.id],
    );
    expect(day.rows).toEqual([{ turns_admitted: 1, turns_counted: 1 }]);
  }, 60_000);

  it('sends a settlement still waiting to be sent again when the server stops', async () => {
    const auth = await projectKey('Stopping');
    const other = await startServerOver(proxy.url, ADMIN_KEY);
    const cut = proxy.cutAfterReplyTo('"type":"TurnCompleted"');
    const res = await http(`${other.url}/v1/responses`, { headers: auth, body: { model: 'balanced', user: 'u-4', input: 'Last one' } });
    expect(res.status).toBe(200);
    await cut;
    await new Promise((r) => setTimeout(r, 1_500)); // its settlement waits longer between tries by now
    await proxy.restore();
    await other.close();
    const held = await db.pool.query('select count(*)::int as n from genaug_turn_reservations where response_id = $1', [res.body.id]);
    expect(held.rows[0].n).toBe(0);
  }, 60_000);
  it('settles, from its recorded usage, a turn whose process stopped before it could settle it', async () => {
    const admin = { 'x-admin-key': ADMIN_KEY };
    // The local model: its turns cost something.
    const project = await http(`${server.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Left unsettled' } });
    const key = await http(`${server.url}/api/v1/admin/projects/${project.body.id}/keys`, { headers: admin, body: { scopes: ['responses'] } });
    const dying = await startServerOver(proxy.url, ADMIN_KEY, ['api']);
    const cut = proxy.cutAfterReplyTo('"type":"TurnCompleted"');
    const res = await http(`${dying.url}/v1/responses`, { headers: { authorization: `Bearer ${key.body.key}` }, body: { model: 'balanced', user: 'u-5', input: 'Charge me' } });
    expect(res.status).toBe(200);
    await cut;
    // It stops while the database is away: its last try at settling fails, and it is gone.
    await dying.close();
    await proxy.restore();
    const held = async () => (await db.pool.query('select count(*)::int as n from genaug_turn_reservations where response_id = $1', [res.body.id])).rows[0].n;
    expect(await held()).toBe(1);

    // The worker finds it holding its reservation a while later, its usage recorded: settled with it.
    const unsettled = server.app.get(UnsettledTurns, { strict: false });
    const later = new Date(Date.now() + 3 * 60_000);
    await unsettled.sweep(later);
    await waitFor(async () => (await held()) === 0, 'the turn to be settled');
    const usage = (await db.pool.query("select data from genaug_events where stream_id = $1 and type = 'UsageRecorded'", [`turn-${res.body.id}`])).rows[0].data;
    expect(usage.cost_usd).toBeGreaterThan(0);
    const ledger = async () =>
      (
        await db.pool.query(
          "select spent_usd::float8 as spent, reserved_usd::float8 as reserved, turns_admitted, turns_counted from genaug_usage_ledger where project_id = $1 and scope = 'project' and period ~ '^\\d{4}-\\d{2}-\\d{2}$'",
          [project.body.id],
        )
      ).rows;
    expect(await ledger()).toEqual([{ spent: usage.cost_usd, reserved: 0, turns_admitted: 1, turns_counted: 1 }]);
    // Sweeping again, or the process settling after all, counts it no second time.
    await unsettled.sweep(later);
    await server.app.get(TurnGate, { strict: false }).settle(
      { responseId: res.body.id, projectId: project.body.id, settings: {} as any, user: 'u-5', anonymousUser: false, request: { model: 'balanced' }, context: [], instructions: null },
      { cost_usd: usage.cost_usd, messages: usage.messages },
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(await ledger()).toEqual([{ spent: usage.cost_usd, reserved: 0, turns_admitted: 1, turns_counted: 1 }]);
  }, 60_000);
});
