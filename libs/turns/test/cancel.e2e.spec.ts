import OpenAI from 'openai';
import type { RunningServer } from '../../../apps/api/src/server';
import { createProjectWithKey, http, startServerOver, startTestServer, type TestServer } from '../../../test/support/test-server';
import { startFakeOpenAI, type FakeUpstream } from '../../../test/support/upstreams';
import { waitFor } from '../../../test/support/wait-for';
import { readSse } from './sse';
import { EventStore } from '@genaug/event-store';
import { UnsettledTurns } from '../src/interrupted/unsettled-turns';

// POST /v1/responses/{id}/cancel (the openai client's responses.cancel): a queued or running
// background turn ends `cancelled`, is never answered, and what it had cost is recorded once.

describe('cancelling a background response', () => {
  let t: TestServer;
  let upstream: FakeUpstream;
  /** A second process over the same database, answering cancellations only. */
  let other: RunningServer;
  let projectId: string;
  let auth: Record<string, string>;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    t = await startTestServer('cancel_e2e');
    other = await startServerOver(t.db.url, t.adminKey, ['api']);
    const admin = { 'x-admin-key': t.adminKey };
    const models = {
      providers: { up: { kind: 'openai', baseUrl: upstream.url, apiKey: 'k', maxRetries: 0 } },
      tiers: { balanced: ['up/gpt-up'] },
      prices: { 'gpt-up': { inputPerMillion: 1000, outputPerMillion: 4000 } },
    };
    const project = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Cancel', settings: { models } } });
    projectId = project.body.id;
    const key = await http(`${t.url}/api/v1/admin/projects/${projectId}/keys`, { headers: admin, body: { scopes: ['responses'] } });
    auth = { authorization: `Bearer ${key.body.key}` };
    client = new OpenAI({ apiKey: key.body.key, baseURL: `${other.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await other.close();
    await t.close();
    await upstream.close();
  });
  afterEach(() => {
    upstream.options.delayMs = undefined;
    upstream.options.chunkDelayMs = undefined;
  });

  const post = (body: unknown, headers: Record<string, string> = {}) => http(`${t.url}/v1/responses`, { headers: { ...auth, ...headers }, body });
  const cancel = (id: string, url = t.url, headers = auth) => http(`${url}/v1/responses/${id}/cancel`, { method: 'POST', headers });
  const events = async (responseId: string) =>
    (await t.db.pool.query('select type, data from genaug_events where stream_id = $1 order by stream_version', [`turn-${responseId}`])).rows;
  const settled = async (responseId: string) =>
    (await t.db.pool.query('select 1 from genaug_turn_reservations where response_id = $1', [responseId])).rowCount === 0 &&
    (await t.db.pool.query('select 1 from genaug_settled_turns where response_id = $1', [responseId])).rowCount === 1;
  const projectSpend = async () =>
    Number((await t.db.pool.query(`select coalesce(sum(spent_usd), 0) as s from genaug_usage_ledger where project_id = $1 and scope = 'project' and period ~ '^\\d{4}-\\d{2}-\\d{2}$'`, [projectId])).rows[0].s);

  it('stops a running turn mid-answer, from another process, and records what the answer had cost', async () => {
    // A streamed background turn: its client reads the answer as it comes, slowly.
    upstream.options.chunkDelayMs = 2_000;
    const spentBefore = await projectSpend();
    const res = await fetch(`${t.url}/v1/responses`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'balanced', user: 'u-1', input: 'Write a long story about the sea', background: true, stream: true }),
    });
    let responseId = '';
    let cancelled: Promise<OpenAI.Responses.Response> | null = null;
    const streamed = await readSse(res, (e) => {
      if (e.event === 'response.created') responseId = e.data.response.id;
      // Once the model has begun to answer, the app cancels it through the official client.
      if (e.event === 'response.output_text.delta' && !cancelled) cancelled = client.responses.cancel(responseId);
    });
    const answer = await cancelled!;
    expect(answer).toMatchObject({ id: responseId, status: 'cancelled', background: true });

    // The stream ends as a failure does, its response cancelled, long before the model would have finished.
    expect(streamed.slice(-2).map((e) => e.event)).toEqual(['error', 'response.failed']);
    expect(streamed.at(-2)!.data.error).toMatchObject({ code: 'response_cancelled' });
    expect(streamed.at(-1)!.data.response).toMatchObject({ id: responseId, status: 'cancelled', output: [] });
    expect(streamed.some((e) => e.event === 'response.completed')).toBe(false);

    // The log: cancelled, then the model call cut off (its usage estimated) and what it cost. No answer.
    const recorded = await waitFor(async () => {
      const all = await events(responseId);
      return all.some((e) => e.type === 'UsageRecorded') && all;
    }, 'the cancelled turn\'s usage');
    expect(recorded.map((e: any) => e.type)).toEqual(['TurnRequested', 'TurnStarted', 'TurnCancelled', 'ModelCalled', 'UsageRecorded']);
    const [, , cancellation, call, usage] = recorded;
    expect(cancellation.data).toMatchObject({ key_id: expect.any(String) });
    expect(call.data).toMatchObject({ outcome: 'error', error: 'cancelled by the caller', usage_estimated: true });
    expect(usage.data.outcome).toBe('cancelled');
    expect(usage.data.cost_usd).toBeGreaterThan(0);
    expect(usage.data.cost_usd).toBeCloseTo(call.data.cost_usd, 12);
    expect(upstream.calls).toHaveLength(1);

    // Settled once, with that cost: the project's spend grew by it, and no reservation is left.
    await waitFor(() => settled(responseId), 'the settlement');
    expect(await projectSpend()).toBeCloseTo(spentBefore + usage.data.cost_usd, 8);

    const got = await client.responses.retrieve(responseId);
    expect(got).toMatchObject({ status: 'cancelled', output: [], completed_at: null });
    expect(got.usage!.output_tokens).toBe(usage.data.usage.output_tokens);
    expect(Number(got.metadata!.general_augment_cost_usd)).toBeCloseTo(usage.data.cost_usd, 8);

    // Cancelling again answers the same; the trace says cancelled.
    expect((await cancel(responseId)).body).toEqual((await http(`${t.url}/v1/responses/${responseId}`, { headers: auth })).body);
    const traces = await waitFor(async () => {
      const list = await http(`${t.url}/api/v1/admin/projects/${projectId}/traces?status=cancelled`, { headers: { 'x-admin-key': t.adminKey } });
      return list.body.data?.length && list.body.data;
    }, 'the cancelled trace');
    expect(traces[0]).toMatchObject({ response_id: responseId, status: 'cancelled' });
  });

  it('stops a background turn the worker runs, one whose answer must validate, while the model is still thinking', async () => {
    upstream.options.delayMs = 60_000;
    const format = { type: 'json_schema', name: 'plan', strict: true, schema: { type: 'object', required: ['steps'], properties: { steps: { type: 'string' } }, additionalProperties: false } };
    const queued = await post({ model: 'balanced', input: 'Plan the migration', background: true, text: { format } });
    expect(queued.body.status).toBe('queued');
    const id = queued.body.id;
    await waitFor(async () => upstream.calls.some((c) => JSON.stringify(c.body).includes('Plan the migration')), 'the model call');
    expect((await client.responses.cancel(id)).status).toBe('cancelled');

    const log = await waitFor(async () => {
      const all = await events(id);
      return all.some((e: any) => e.type === 'UsageRecorded') && all;
    }, 'the cancelled turn\'s usage');
    expect(log.map((e: any) => e.type)).toEqual(['TurnRequested', 'TurnStarted', 'TurnCancelled', 'ModelCalled', 'UsageRecorded']);
    // Nothing had been produced: nothing is estimated, and the turn cost nothing.
    expect(log[3].data).toMatchObject({ outcome: 'error', error: 'cancelled by the caller', cost_usd: 0 });
    expect(log[4].data).toMatchObject({ outcome: 'cancelled', cost_usd: 0 });
    await waitFor(() => settled(id), 'the settlement');
    expect((await client.responses.retrieve(id)).status).toBe('cancelled');
  });

  it('never runs a queued turn it cancels, and its reservation is given back', async () => {
    const q = await startTestServer('cancel_queued_e2e');
    const { apiKey, projectId: projectId2 } = await createProjectWithKey(q, 'Queued');
    await q.server.close();
    // Its worker is not running now: background turns wait, queued.
    const api = await startServerOver(q.db.url, q.adminKey, ['api']);
    let worker: RunningServer | null = null;
    try {
      const headers = { authorization: `Bearer ${apiKey}` };
      const body = { model: 'balanced', input: 'The nightly report', background: true };
      const queued = await http(`${api.url}/v1/responses`, { headers: { ...headers, 'x-idempotency-key': 'nightly-report' }, body });
      expect(queued.body.status).toBe('queued');
      const id = queued.body.id;
      const res = await http(`${api.url}/v1/responses/${id}/cancel`, { method: 'POST', headers });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, status: 'cancelled', output: [], error: null });

      const log = async () => (await q.db.pool.query('select type, data from genaug_events where stream_id = $1 order by stream_version', [`turn-${id}`])).rows;
      const cancelled = await log();
      expect(cancelled.map((e: any) => e.type)).toEqual(['TurnRequested', 'TurnCancelled', 'UsageRecorded']);
      expect(cancelled[2].data).toMatchObject({ outcome: 'cancelled', cost_usd: 0, messages: 0 });
      await waitFor(async () => (await q.db.pool.query('select 1 from genaug_turn_reservations where response_id = $1', [id])).rowCount === 0, 'the released reservation');

      // A turn a worker had started, whose process then died: cancelled, no runner will record what
      // it spent. The worker's sweep of unsettled turns records it as nothing spent, and settles it.
      const orphan = (await http(`${api.url}/v1/responses`, { headers, body: { ...body, input: 'The orphaned report' } })).body.id;
      const store = api.app.get(EventStore, { strict: false });
      await store.append(`turn-${orphan}`, [{ type: 'TurnStarted', data: { attempt: 1, runner: 'runner_gone' }, metadata: { project_id: projectId2 } }], { expectedVersion: 1 });
      expect((await http(`${api.url}/v1/responses/${orphan}/cancel`, { method: 'POST', headers })).body.status).toBe('cancelled');
      const held = async () => (await q.db.pool.query('select 1 from genaug_turn_reservations where response_id = $1', [orphan])).rowCount;
      expect(await held()).toBe(1);
      const unsettled = api.app.get(UnsettledTurns, { strict: false });
      await unsettled.sweep(new Date());
      expect(await held()).toBe(1); // too soon: its runner may still be recording
      await unsettled.sweep(new Date(Date.now() + 3 * 60_000));
      await waitFor(async () => (await held()) === 0, 'the orphaned turn to be settled');
      const orphanLog = (await q.db.pool.query('select type, data from genaug_events where stream_id = $1 order by stream_version', [`turn-${orphan}`])).rows;
      expect(orphanLog.map((e: any) => e.type)).toEqual(['TurnRequested', 'TurnStarted', 'TurnCancelled', 'UsageRecorded']);
      expect(orphanLog[3].data).toMatchObject({ outcome: 'cancelled', cost_usd: 0 });

      // The worker starts and works through the queue: a later turn is answered, the cancelled one never started.
      worker = await startServerOver(q.db.url, q.adminKey, ['worker']);
      const later = await http(`${api.url}/v1/responses`, { headers, body: { ...body, input: 'The morning report' } });
      await waitFor(async () => (await http(`${api.url}/v1/responses/${later.body.id}`, { headers })).body.status === 'completed', 'the later turn');
      expect((await log()).map((e: any) => e.type)).toEqual(['TurnRequested', 'TurnCancelled', 'UsageRecorded']);

      // A retry of the request with its idempotency key gets the cancelled response, not a new turn.
      const retry = await http(`${api.url}/v1/responses`, { headers: { ...headers, 'x-idempotency-key': 'nightly-report' }, body });
      expect(retry.body).toMatchObject({ id, status: 'cancelled' });
      expect((await http(`${api.url}/v1/responses/${id}`, { headers })).body).toEqual(res.body);
    } finally {
      await worker?.close();
      await api.close();
      await q.db.drop();
    }
  });

  it('deletes a response only once it has ended; its history stays for auditors', async () => {
    upstream.options.chunkDelayMs = 2_000;
    const res = await fetch(`${t.url}/v1/responses`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'balanced', user: 'u-2', input: 'Another long story', background: true, stream: true }),
    });
    let responseId = '';
    let refused: Promise<unknown> | null = null;
    await readSse(res, (e) => {
      if (e.event === 'response.created') responseId = e.data.response.id;
      if (e.event === 'response.output_text.delta' && !refused) {
        // Still running: a 409, and the turn goes on; then it is cancelled.
        refused = http(`${t.url}/v1/responses/${responseId}`, { method: 'DELETE', headers: auth }).then(async (r) => {
          await client.responses.cancel(responseId);
          return r;
        });
      }
    });
    expect(await refused).toMatchObject({ status: 409, body: { reason: 'response_in_progress' } });
    await waitFor(async () => (await events(responseId)).some((e: any) => e.type === 'UsageRecorded'), 'the cancelled turn\'s usage');

    await client.responses.delete(responseId);
    await expect(client.responses.retrieve(responseId)).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.cancel(responseId)).rejects.toMatchObject({ status: 404 });
    const log = await events(responseId);
    expect(log.at(-1)).toMatchObject({ type: 'ResponseDeleted', data: { key_id: expect.any(String) } });
    // Auditors still read the turn in its trace.
    await waitFor(async () => {
      const trace = await http(`${t.url}/api/v1/admin/projects/${projectId}/traces?status=cancelled`, { headers: { 'x-admin-key': t.adminKey } });
      return trace.body.data.some((r: any) => r.response_id === responseId);
    }, 'the deleted response\'s trace');
  });

  it('refuses to cancel what is not a running background response', async () => {
    const plain = await post({ model: 'balanced', input: 'Not in the background' });
    expect(plain.status).toBe(200);
    const notBackground = await cancel(plain.body.id);
    expect(notBackground.status).toBe(400);
    expect(notBackground.body).toMatchObject({ reason: 'response_not_cancellable', error: { param: 'response_id' } });

    const background = await post({ model: 'balanced', input: 'Quick one', background: true });
    const done = await waitFor(async () => {
      const got = await http(`${t.url}/v1/responses/${background.body.id}`, { headers: auth });
      return got.body.status === 'completed' && got.body;
    }, 'the background turn');
    const ended = await cancel(done.id);
    expect(ended.status).toBe(409);
    expect(ended.body).toMatchObject({ reason: 'response_not_cancellable' });
    expect(ended.body.error.message).toContain('completed');
    expect((await http(`${t.url}/v1/responses/${done.id}`, { headers: auth })).body).toEqual(done);

    expect((await cancel('resp_00000000000000000000000000000000')).status).toBe(404);
    expect((await cancel('not-an-id')).status).toBe(404);
    // Another project's response is not found, not forbidden.
    const stranger = await createProjectWithKey(t, 'Stranger');
    const foreign = await cancel(done.id, t.url, { authorization: `Bearer ${stranger.apiKey}` });
    expect(foreign.status).toBe(404);
  });
});
