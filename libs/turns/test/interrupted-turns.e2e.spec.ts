import * as fs from 'fs';
import * as path from 'path';
import type { RunningServer } from '../../../apps/api/src/server';
import { freePort, startChild, type ChildServer } from '../../../test/bench/support/processes';
import { createTestDatabase, testMasterKey, type TestDatabase } from '../../../test/support/test-database';
import { http, startServerOver, startTestServer, type TestServer } from '../../../test/support/test-server';
import { EventStore } from '@genaug/event-store';
import { readSse } from './sse';
import { startFakeOpenAI, type FakeUpstream } from '../../../test/support/upstreams';
import { waitFor } from '../../../test/support/wait-for';

const MAIN = path.resolve(__dirname, '../../../dist/apps/api/src/main.js');
const ADMIN_KEY = 'gaadm_test_interrupted_0123456789abcdef';

const until = <T>(what: string, probe: () => Promise<T | null | undefined | false>) => waitFor(probe, what, 40_000);

/**
 * A process killed in the middle of its turns (the model had been asked, nothing answered) does
 * not leave them running forever: the worker of another process finds their runner gone, runs
 * them again, and an idempotent retry of the request gets that answer.
 */
describe('turns whose process was killed mid-turn', () => {
  let db: TestDatabase;
  let upstream: FakeUpstream;
  let first: ChildServer | null = null;
  let second: RunningServer | null = null;

  beforeAll(async () => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    db = await createTestDatabase('interrupted');
    // Each first model call hangs until its caller is gone.
    upstream = await startFakeOpenAI({ delayMs: 120_000 });
  });
  afterAll(async () => {
    first?.process.kill('SIGKILL');
    await second?.close();
    await upstream.close();
    await db.drop();
  });

  const events = async (responseId: string) =>
    (await db.pool.query('select type, data from genaug_events where stream_id = $1 order by stream_version', [`turn-${responseId}`])).rows;

  it('are run again by a worker elsewhere, once, and a retry with the same key gets the answer', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    first = await startChild(
      process.execPath,
      [MAIN],
      {
        NODE_ENV: 'production',
        DATABASE_URL: db.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        GENAUG_ADMIN_KEY: ADMIN_KEY,
        GENAUG_MASTER_KEY: testMasterKey.toString('hex'),
        GENAUG_LOG_LEVEL: 'error',
      },
      `${url}/health/live`,
    );
    const admin = { 'x-admin-key': ADMIN_KEY };
    const models = {
      providers: { up: { kind: 'openai', baseUrl: upstream.url, apiKey: 'k', maxRetries: 0 } },
      tiers: { balanced: ['up/gpt-up'] },
    };
    const project = await http(`${url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Interrupted', settings: { models } } });
    expect(project.status).toBe(201);
    const key = await http(`${url}/api/v1/admin/projects/${project.body.id}/keys`, { headers: admin, body: { scopes: ['responses'] } });
    expect(key.status).toBe(201);
    const auth = { authorization: `Bearer ${key.body.key}` };
    const retried = { model: 'balanced', user: 'u-1', input: 'Book the window seat' };
    const idempotent = { ...auth, 'x-idempotency-key': 'checkout-42' };

    // Two turns in flight: one the client will retry with its idempotency key, one streamed
    // (its client knows the id from response.created) that nobody retries.
    const lost = [
      http(`${url}/v1/responses`, { headers: idempotent, body: retried }).catch(() => null),
      fetch(`${url}/v1/responses`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'balanced', user: 'u-2', input: 'Summarise my order', stream: true }),
      }),
    ];
    const stream = (await lost[1]) as Response;
    const reader = stream.body!.getReader();
    let head = '';
    while (!head.includes('response.created')) head += new TextDecoder().decode((await reader.read()).value);
    const streamedId = /"id":"(resp_[0-9a-f]+)"/.exec(head)![1];
    await until('both model calls', async () => upstream.calls.length === 2);
    const started = await until('both turns started', async () => {
      const r = await db.pool.query(
        "select stream_id, data from genaug_events where type = 'TurnStarted' order by global_position",
      );
      return r.rows.length === 2 ? r.rows : null;
    });
    const retriedId = started.map((r: any) => r.stream_id.slice('turn-'.length)).find((id: string) => id !== streamedId)!;
    const deadRunner = started[0].data.runner;
    expect(deadRunner).toMatch(/^runner_/);

    first.process.kill('SIGKILL');
    await new Promise((r) => first!.process.once('exit', r));
    void reader.cancel().catch(() => undefined);
    await lost[0];
    upstream.options.delayMs = 0;

    // Another process, with the worker role, over the same database.
    second = await startServerOver(db.url, ADMIN_KEY);
    // The retry waits for the turn its first request started: no new turn, no third model call for it.
    const retry = await http(`${second.url}/v1/responses`, { headers: idempotent, body: retried });
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(retriedId);
    expect(retry.body.status).toBe('completed');
    expect(retry.body.output[0].content[0].text).toContain('Book the window seat');

    const streamed = await until('the streamed turn to end', async () => {
      const r = await http(`${second!.url}/v1/responses/${streamedId}`, { headers: auth });
      return r.body.status === 'completed' ? r.body : null;
    });
    expect(streamed.output[0].content[0].text).toContain('Summarise my order');

    for (const id of [retriedId, streamedId]) {
      const stored = await events(id);
      expect(stored.map((e: any) => e.type)).toEqual(['TurnRequested', 'TurnStarted', 'TurnStarted', 'ModelCalled', 'TurnCompleted', 'UsageRecorded']);
      const attempts = stored.filter((e: any) => e.type === 'TurnStarted').map((e: any) => e.data);
      expect(attempts.map((a: any) => a.attempt)).toEqual([1, 2]);
      expect(attempts[0].runner).toBe(deadRunner);
      expect(attempts[1].runner).toMatch(/^runner_/);
      expect(attempts[1].runner).not.toBe(deadRunner);
    }
    // Two killed calls and one call each to run them again.
    expect(upstream.calls.length).toBe(4);

    // Their admissions were settled once each, and nothing is left in flight.
    await until('reservations settled', async () => (await db.pool.query('select count(*)::int as n from genaug_turn_reservations')).rows[0].n === 0);
    const day = await db.pool.query(
      "select turns_admitted, turns_counted from genaug_usage_ledger where project_id = $1 and scope = 'project' and subject = '' and period ~ '^\\d{4}-\\d{2}-\\d{2}$'",
      [project.body.id],
    );
    expect(day.rows).toEqual([{ turns_admitted: 2, turns_counted: 2 }]);
    await until('no turn in flight', async () => (await db.pool.query('select count(*)::int as n from genaug_turns_in_flight')).rows[0].n === 0);
  }, 90_000);
});

/**
 * A runner that finds its turn taken over when it records the outcome (it was thought dead: its
 * beats stopped reaching the database) records nothing more; its streaming client is told with
 * an `error` event and the stream ends instead of hanging.
 */
describe('a streamed turn taken over by another runner', () => {
  let t: TestServer;
  let upstream: FakeUpstream;
  beforeAll(async () => {
    t = await startTestServer('taken_over');
    upstream = await startFakeOpenAI({ chunkDelayMs: 60 });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  it('ends its stream with an error event and records no outcome of its own', async () => {
    const admin = { 'x-admin-key': t.adminKey };
    const models = { providers: { up: { kind: 'openai', baseUrl: upstream.url, apiKey: 'k', maxRetries: 0 } }, tiers: { balanced: ['up/gpt-up'] } };
    const project = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Taken over', settings: { models } } });
    const key = await http(`${t.url}/api/v1/admin/projects/${project.body.id}/keys`, { headers: admin, body: { scopes: ['responses'] } });
    const res = await fetch(`${t.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.body.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'balanced', input: 'Tell me about the weather in Lisbon this week', stream: true }),
    });
    expect(res.status).toBe(200);
    const store = new EventStore(t.db.pool);
    let created = '';
    let takeover: Promise<unknown> | null = null;
    const events = await readSse(res, (e) => {
      if (e.event === 'response.created') created = e.data.response.id;
      if (e.event !== 'response.output_text.delta' || takeover) return;
      const stream = `turn-${created}`;
      takeover = store
        .streamVersion(stream)
        .then((version) =>
          store.append(stream, [{ type: 'TurnStarted', data: { attempt: 2, runner: 'runner_elsewhere' }, metadata: { project_id: project.body.id } }], {
            expectedVersion: version,
          }),
        );
    });
    await takeover;
    const last = events[events.length - 1];
    expect(last.event).toBe('error');
    expect(last.data.error.code).toBe('conflict');
    expect(events.map((e) => e.event)).not.toContain('response.completed');
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    const stored = await t.db.pool.query('select type from genaug_events where stream_id = $1 order by stream_version', [`turn-${created}`]);
    expect(stored.rows.map((r: any) => r.type)).toEqual(['TurnRequested', 'TurnStarted', 'TurnStarted']);
  });

  it('answers a request whose turn was taken over with the answer of the attempt that took it', async () => {
    const admin = { 'x-admin-key': t.adminKey };
    const models = { providers: { up: { kind: 'openai', baseUrl: upstream.url, apiKey: 'k', maxRetries: 0 } }, tiers: { balanced: ['up/gpt-up'] } };
    const project = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Taken over whole', settings: { models } } });
    const key = await http(`${t.url}/api/v1/admin/projects/${project.body.id}/keys`, { headers: admin, body: { scopes: ['responses'] } });
    const store = new EventStore(t.db.pool);
    const before = upstream.calls.length;
    const answer = http(`${t.url}/v1/responses`, { headers: { authorization: `Bearer ${key.body.key}` }, body: { model: 'balanced', input: 'A long answer, please' } });
    while (upstream.calls.length === before) await new Promise((r) => setTimeout(r, 10));
    // The turn's request is recorded while the model is asked: wait for it.
    const started = await until('the turn to be recorded', async () => {
      const r = await t.db.pool.query("select stream_id, stream_version from genaug_events where type = 'TurnStarted' and project_id = $1", [project.body.id]);
      return r.rowCount ? r : null;
    });
    const stream = started.rows[0].stream_id;
    // The attempt that took the turn over ends it first (here: it failed upstream).
    const meta = { project_id: project.body.id };
    await store.append(
      stream,
      [
        { type: 'TurnStarted', data: { attempt: 2, runner: 'runner_elsewhere' }, metadata: meta },
        {
          type: 'TurnFailed',
          data: {
            error: { code: 'upstream_timeout', type: 'upstream_error', message: 'No model could answer' },
            status_code: 504,
            usage: { input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 },
            cost_usd: 0,
            failed_at: new Date().toISOString(),
          },
          metadata: meta,
        },
      ],
      { expectedVersion: Number(started.rows[0].stream_version) },
    );
    const res = await answer;
    expect(res.status).toBe(504);
    expect(res.body.reason).toBe('upstream_timeout');
    expect(res.body.response.id).toBe(stream.slice('turn-'.length));
    expect(res.body.response.status).toBe('failed');
  });
});
