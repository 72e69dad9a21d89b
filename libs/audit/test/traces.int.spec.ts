import { z } from 'zod';
import { ERASED, EventStore, registerEvents, Sealer, SubscriptionHost } from '@genaug/event-store';
import { newId } from '@genaug/kernel';
import { turnStream } from '@genaug/turns';
import { tracesProjection } from '../src/traces/traces.projection';
import { TraceReader } from '../src/traces/trace-reader';
import { createTestDatabase, testMasterKey, type TestDatabase } from '../../../test/support/test-database';
import { appendTurn } from './support/turn-log';

// A stand-in for the approvals slice's events: a type with the `Approval` prefix naming its turn.
registerEvents({ ApprovalProbeRecorded: z.object({ response_id: z.string(), status: z.string(), note_sealed: z.string() }) });

describe('traces projection', () => {
  let db: TestDatabase;
  let store: EventStore;
  let sealer: Sealer;
  let host: SubscriptionHost;
  let traces: TraceReader;
  const projectId = newId('proj');

  beforeAll(async () => {
    db = await createTestDatabase('audit_traces');
    store = new EventStore(db.pool);
    sealer = new Sealer(db.pool, testMasterKey);
    host = new SubscriptionHost(db.pool, null, { batchSize: 4 });
    host.addProjection(tracesProjection);
    await host.setup();
    traces = new TraceReader(db.pool, sealer);
  });
  afterAll(() => db.drop());

  it('builds a turn with a model error, a fallback, a function call and an approval into one trace in time order', async () => {
    const turn = await appendTurn(store, sealer, {
      projectId,
      user: 'user-ada',
      feature: 'orders',
      input: 'Where is order A-1?',
      output: 'Let me check that order.',
      instructions: 'Be brief.',
      idempotencyKey: 'orders:user-ada:1',
      metadata: { feature: 'orders', source: 'app-backend', ticket: 'T-9' },
      modelCalls: [
        { provider: 'openai', model: 'gpt-test', outcome: 'error', error: 'upstream returned 500', latencyMs: 40, costUsd: 0 },
        { provider: 'anthropic', model: 'claude-test', latencyMs: 85, inputTokens: 31, outputTokens: 17, costUsd: 0.00042 },
      ],
      functionCalls: [{ name: 'lookup_order', arguments: '{"order_id":"A-1"}' }],
    });
    await store.append(`approval-${turn.responseId}`, [
      {
        type: 'ApprovalProbeRecorded',
        data: { response_id: turn.responseId, status: 'approved', note_sealed: await sealer.seal(projectId, 'user-ada', 'ok to look up') },
        metadata: { project_id: projectId, user: 'user-ada' },
      },
    ]);
    await host.catchUpAll();

    const t = await traces.find(projectId, turn.responseId);
    expect(t).toMatchObject({
      object: 'trace',
      response_id: turn.responseId,
      trace_id: turn.traceId,
      request_id: turn.requestId,
      status: 'completed',
      user: 'user-ada',
      key_id: 'key_test',
      idempotency_key: 'orders:user-ada:1',
      feature: 'orders',
      source: 'app-backend',
      metadata: { feature: 'orders', source: 'app-backend', ticket: 'T-9' },
      provider: 'anthropic',
      model: 'claude-test',
      usage: { input_tokens: 31, output_tokens: 17, total_tokens: 48 },
      cost_usd: 0.00042,
      counts: { model_calls: 2, model_errors: 1, function_calls: 1, attempts: 1 },
      input: { text: 'Where is order A-1?' },
      instructions: 'Be brief.',
      output: { text: 'Let me check that order.' },
      error: null,
    });
    expect(t!.spans.map((s) => [s.kind, s.name, s.status])).toEqual([
      ['request', 'request', 'ok'],
      ['model_call', 'openai/gpt-test', 'error'],
      ['model_call', 'anthropic/claude-test', 'ok'],
      ['function_call', 'lookup_order', 'requested'],
      ['completion', 'completed', 'completed'],
      ['approval', 'ApprovalProbeRecorded', 'approved'],
    ]);
    const [, failedCall, okCall, fn, , approval] = t!.spans;
    expect(failedCall.attributes).toMatchObject({ provider: 'openai', latency_ms: 40, error: 'upstream returned 500', usage: null });
    expect(failedCall.duration_ms).toBe(40);
    expect(okCall.attributes).toMatchObject({ usage: { input_tokens: 31, output_tokens: 17 }, cost_usd: 0.00042, error: null });
    expect(fn.attributes).toMatchObject({ name: 'lookup_order', arguments: '{"order_id":"A-1"}' });
    expect(approval.attributes).toMatchObject({ response_id: turn.responseId, status: 'approved', note: 'ok to look up' });
    // The key itself never reaches the read model, only its id.
    expect(JSON.stringify(t)).not.toMatch(/ga_[a-z]+_[0-9a-f]{24}_/);

    // Found by trace id and by request id too.
    expect((await traces.find(projectId, turn.traceId))!.response_id).toBe(turn.responseId);
    expect((await traces.find(projectId, turn.requestId))!.response_id).toBe(turn.responseId);
    // Another project never sees it.
    expect(await traces.find(newId('proj'), turn.responseId)).toBeNull();
  });

  it('records a failed turn with its error, and filters and pages the list', async () => {
    const failed = await appendTurn(store, sealer, {
      projectId,
      user: 'user-bo',
      feature: 'billing',
      source: 'worker',
      modelCalls: [{ provider: 'openai', model: 'gpt-test', outcome: 'timeout', error: 'no answer in 30s', latencyMs: 30000, costUsd: 0 }],
      failure: { code: 'model_timeout', message: 'Every model timed out', statusCode: 504 },
    });
    const more = [];
    for (let i = 0; i < 3; i++) more.push(await appendTurn(store, sealer, { projectId, user: 'user-cy', feature: 'billing' }));
    await host.catchUpAll();

    const t = await traces.find(projectId, failed.responseId);
    expect(t).toMatchObject({
      status: 'failed',
      error: { code: 'model_timeout', message: 'Every model timed out', type: 'upstream_error' },
      output: null,
      counts: { model_calls: 1, model_errors: 1, function_calls: 0 },
    });
    expect(t!.spans.map((s) => [s.kind, s.status])).toEqual([
      ['request', 'ok'],
      ['model_call', 'timeout'],
      ['completion', 'failed'],
    ]);
    expect(t!.spans[2].attributes).toMatchObject({ status_code: 504 });

    const onlyFailed = await traces.list(projectId, { status: 'failed', limit: 10 });
    expect(onlyFailed.data.map((x) => x.response_id)).toEqual([failed.responseId]);
    expect((await traces.list(projectId, { source: 'worker', limit: 10 })).data).toHaveLength(1);
    expect((await traces.list(projectId, { user: 'user-cy', limit: 10 })).data.map((x) => x.response_id)).toEqual(
      more.map((m) => m.responseId).reverse(),
    );

    // Newest first, two at a time, through every billing trace and no further.
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await traces.list(projectId, { feature: 'billing', limit: 2, after });
      seen.push(...page.data.map((x) => x.response_id));
      if (!page.has_more) break;
      after = page.next_cursor!;
    }
    expect(seen).toEqual([...more.map((m) => m.responseId).reverse(), failed.responseId]);
    const window = await traces.list(projectId, { from: new Date(Date.now() + 60_000), limit: 10 });
    expect(window.data).toHaveLength(0);
  });

  it('shows the erased marker once the user is erased, with no projection work', async () => {
    const turn = await appendTurn(store, sealer, {
      projectId,
      user: 'user-gone',
      input: 'my secret plan',
      output: 'noted',
      functionCalls: [{ name: 'save_plan', arguments: '{"plan":"secret"}' }],
    });
    await host.catchUpAll();
    expect((await traces.find(projectId, turn.responseId))!.input.text).toBe('my secret plan');
    const position = (await db.pool.query(`select global_position from genaug_checkpoints where consumer = 'traces'`)).rows[0];

    await sealer.erase(projectId, 'user-gone');
    const t = await traces.find(projectId, turn.responseId);
    expect(t!.input).toEqual({ text: ERASED, items: ERASED });
    expect(t!.output).toEqual({ text: ERASED, items: ERASED });
    expect(t!.spans.find((s) => s.kind === 'function_call')!.attributes.arguments).toBe(ERASED);
    // The ciphertext is all the read model ever held.
    const stored = await db.pool.query('select * from genaug_traces where response_id = $1', [turn.responseId]);
    expect(JSON.stringify(stored.rows)).not.toContain('secret');
    expect((await db.pool.query(`select global_position from genaug_checkpoints where consumer = 'traces'`)).rows[0]).toEqual(position);
  });

  it('ends a turn begun in an earlier batch through its key, without reading the other traces', async () => {
    // The traces table of a deployment that has run for a while.
    await db.pool.query(
      `insert into genaug_traces (response_id, project_id, trace_id, request_id, user_id, anonymous_user, metadata,
         requested_model, status, started_at, stream, background)
       select 'resp_earlier_' || i, 'proj_earlier', 'trace_' || i, 'req_' || i, 'user', false, '{}', 'balanced', 'completed',
         now(), false, false
       from generate_series(1, 5000) i`,
    );
    await db.pool.query('analyze genaug_traces');
    const turn = await appendTurn(store, sealer, { projectId, user: 'user-dee', output: 'Done.' });
    const [requested, ...rest] = await store.readStream(turnStream(turn.responseId));
    expect(requested.type).toBe('TurnRequested');

    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await tracesProjection.apply([requested], client);
      await client.query('commit');
      // Counts a session has not yet reported accumulate until it does, never inside a transaction.
      const scans = async () =>
        (await client.query(`select seq_scan::int as seq, idx_scan::int as idx from pg_stat_xact_user_tables where relname = 'genaug_traces'`))
          .rows[0];
      await client.query('begin');
      const before = await scans();
      await tracesProjection.apply(rest, client);
      const after = await scans();
      await client.query('commit');
      expect(after.seq - before.seq).toBe(0);
      expect(after.idx - before.idx).toBeGreaterThan(0);
    } finally {
      client.release();
    }
    expect(await traces.find(projectId, turn.responseId)).toMatchObject({ status: 'completed', output: { text: 'Done.' } });
  });
});
