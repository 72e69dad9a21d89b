import { ManualClock } from '@genaug/kernel';
import { readSse } from '../../turns/test/sse';
import { MOCK_TRIGGERS, startMockServer, type MockServer } from '../src';
import { BoundedMap } from '../src/bounded-map';

// What only the mock does: errors on demand, determinism, no key checks, request lines. The
// app API contract it shares with the real server is in test/contract.

describe('genaug mock', () => {
  let mock: MockServer;
  const lines: string[] = [];
  const clock = new ManualClock(new Date('2026-04-24T10:00:00Z'));
  beforeAll(async () => {
    mock = await startMockServer({ port: 0, clock, log: (line) => lines.push(line) });
  });
  afterAll(() => mock.close());

  const post = async (body: unknown, key = 'local-test') => {
    const res = await fetch(`${mock.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };

  it('says it is the mock on its health routes', async () => {
    const ready = await fetch(`${mock.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', version: expect.stringMatching(/^\d+\.\d+\.\d+$/), build: 'mock', mock: true, checks: {} });
  });

  it('accepts any key and answers the same input with the same output, tokens, cost and call ids', async () => {
    const tools = [{ type: 'function', name: 'lookup_order', parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] } }];
    const a = await post({ model: 'complex', input: 'Status of order_id: A-1001?', tools }, 'sk-anything');
    const b = await post({ model: 'complex', input: 'Status of order_id: A-1001?', tools }, 'another-key');
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.id).not.toBe(b.body.id);
    const stable = (r: any) => ({ output: r.output.map(({ id: _id, ...item }: any) => item), usage: r.usage, cost: r.metadata.general_augment_cost_usd });
    expect(stable(a.body)).toEqual(stable(b.body));
    expect(a.body.output[0]).toMatchObject({ type: 'function_call', name: 'lookup_order', arguments: '{"order_id":"A-1001"}' });
    expect(a.body.metadata.general_augment_model).toBe('local-complex');
  });

  it('stamps responses with its clock', async () => {
    const res = await post({ model: 'simple', input: 'What time is it?' });
    expect(res.body).toMatchObject({ created_at: Date.parse('2026-04-24T10:00:00Z') / 1000, completed_at: Date.parse('2026-04-24T10:00:00Z') / 1000 });
  });

  it('answers mock:upstream_error and mock:upstream_timeout with a recorded failed response', async () => {
    const failed = await post({ model: 'balanced', user: 'mock:upstream_timeout', input: 'hi' });
    expect(failed.status).toBe(504);
    expect(failed.body).toMatchObject({
      error: { type: 'upstream_error', code: 'upstream_timeout', param: null },
      reason: 'upstream_timeout',
      response: { status: 'failed', error: { code: 'upstream_timeout' }, output: [], metadata: { general_augment_cost_usd: '0.00000000' } },
    });
    const trace = await fetch(`${mock.url}/api/v1/admin/projects/any/traces/${failed.body.response.id}`, { headers: { 'x-admin-key': 'x' } });
    expect(await trace.json()).toMatchObject({ status: 'failed', error: { code: 'upstream_timeout' } });

    const stream = await fetch(`${mock.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'balanced', user: 'mock:upstream_error', input: 'hi', stream: true }),
    });
    const events = await readSse(stream);
    expect(events.map((e) => e.event)).toEqual(['response.created', 'response.in_progress', 'error', 'response.failed']);
    expect(events[2].data.error).toMatchObject({ type: 'upstream_error', code: 'upstream_error' });
  });

  it('counts failed turns as errors in usage, and refused (402/429) ones not at all', async () => {
    const usage = async () =>
      ((await (await fetch(`${mock.url}/api/v1/admin/projects/p/usage?group_by=user&user=mock:upstream_error`, { headers: { 'x-admin-key': 'x' } })).json()) as any).totals;
    const before = await usage();
    expect((await post({ model: 'balanced', user: 'mock:upstream_error', input: 'again' })).status).toBe(502);
    expect(await usage()).toMatchObject({ agent_turns: before.agent_turns + 1, errors: before.errors + 1 });
    expect((await post({ model: 'balanced', user: 'mock:project_budget_exceeded', input: 'x' })).status).toBe(402);
    const refused = await fetch(`${mock.url}/api/v1/admin/projects/p/usage?group_by=user&user=mock:project_budget_exceeded`, { headers: { 'x-admin-key': 'x' } });
    expect(((await refused.json()) as any).totals.agent_turns).toBe(0);
  });

  it('holds a mock:queued background turn queued until it is cancelled, so an app can test its cancel path', async () => {
    const queued = await post({ model: 'balanced', user: 'mock:queued', input: 'Nightly report', background: true });
    expect(queued.body).toMatchObject({ status: 'queued', user: 'mock:queued' });
    await new Promise((r) => setTimeout(r, 100));
    const get = async () => (await (await fetch(`${mock.url}/v1/responses/${queued.body.id}`, { headers: { authorization: 'Bearer k' } })).json()) as any;
    expect((await get()).status).toBe('queued');
    const cancel = async () => {
      const res = await fetch(`${mock.url}/v1/responses/${queued.body.id}/cancel`, { method: 'POST', headers: { authorization: 'Bearer k' } });
      return { status: res.status, body: (await res.json()) as any };
    };
    expect(await cancel()).toMatchObject({ status: 200, body: { id: queued.body.id, status: 'cancelled', output: [] } });
    expect(await cancel()).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect((await get()).status).toBe('cancelled');
    // Only a background turn can be held.
    const plain = await post({ model: 'balanced', user: 'mock:queued', input: 'x' });
    expect(plain).toMatchObject({ status: 400, body: { error: { param: 'user' } } });
  });

  it('refuses an unknown mock trigger instead of answering normally', async () => {
    const res = await post({ model: 'balanced', user: 'mock:rate_limited', input: 'hi' });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('user');
    for (const trigger of MOCK_TRIGGERS) expect(res.body.error.message).toContain(`mock:${trigger}`);
  });

  it('writes one line per request unless quiet', async () => {
    lines.length = 0;
    await fetch(`${mock.url}/health/live`, { headers: { 'x-request-id': 'req_line_1' } });
    expect(lines).toEqual([expect.stringMatching(/^GET \/health\/live 200 \d+\.\dms req_line_1$/)]);

    const quiet = await startMockServer({ port: 0, quiet: true, log: (line) => lines.push(line) });
    await fetch(`${quiet.url}/health/live`);
    await quiet.close();
    expect(lines).toHaveLength(1);
  });

  it('forgets the oldest responses past its capacity', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('b', 3);
    expect(map.size).toBe(2);
    map.set('c', 4);
    expect([...map.entries()]).toEqual([
      ['b', 3],
      ['c', 4],
    ]);
  });
});
