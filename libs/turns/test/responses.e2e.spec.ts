import { createProjectWithKey, http, startTestServer, type TestServer } from '../../../test/support/test-server';
import { startFakeOpenAI, type FakeUpstream } from '../../../test/support/upstreams';
import { readSse } from './sse';

describe('POST /v1/responses', () => {
  let t: TestServer;
  let key: string;
  let projectId: string;
  let auth: Record<string, string>;
  beforeAll(async () => {
    t = await startTestServer('responses_e2e');
    ({ apiKey: key, projectId } = await createProjectWithKey(t, 'Responses'));
    auth = { authorization: `Bearer ${key}` };
  });
  afterAll(() => t.close());

  const post = (body: unknown, headers: Record<string, string> = {}) => http(`${t.url}/v1/responses`, { headers: { ...auth, ...headers }, body });
  const events = async (responseId: string) =>
    (await t.db.pool.query('select type, data, metadata from genaug_events where stream_id = $1 order by stream_version', [`turn-${responseId}`])).rows;

  it('answers with the full response object, our ids in metadata, and records the turn', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await post(
      { model: 'balanced', user: 'app-user-123', input: 'Summarize this support request.', metadata: { feature: 'support-triage' } },
      { 'x-request-id': 'req_app_123', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req_app_123');
    const r = res.body;
    for (const field of ['id', 'object', 'created_at', 'completed_at', 'status', 'output', 'usage', 'error', 'incomplete_details', 'tools', 'tool_choice', 'text', 'metadata', 'model', 'parallel_tool_calls', 'temperature', 'top_p']) {
      expect(r).toHaveProperty(field);
    }
    expect(r).toMatchObject({ object: 'response', status: 'completed', user: 'app-user-123', error: null, model: 'balanced' });
    expect(r.output[0]).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'output_text' }] });
    expect(r.output[0].content[0].text).toContain('Summarize this support request.');
    expect(r.usage.total_tokens).toBe(r.usage.input_tokens + r.usage.output_tokens);
    expect(r.usage.input_tokens_details).toEqual({ cached_tokens: 0 });
    expect(r.metadata).toMatchObject({
      feature: 'support-triage',
      general_augment_request_id: 'req_app_123',
      general_augment_trace_id: traceId,
      general_augment_model: 'local-balanced',
    });
    expect(Number(r.metadata.general_augment_cost_usd)).toBeGreaterThan(0);

    const stored = await events(r.id);
    expect(stored.map((e: any) => e.type)).toEqual(['TurnRequested', 'TurnStarted', 'ModelCalled', 'TurnCompleted', 'UsageRecorded']);
    expect(stored[0].metadata).toMatchObject({ project_id: projectId, user: 'app-user-123', correlation_id: 'req_app_123', trace_id: traceId });
    // Personal content is sealed in the log.
    expect(JSON.stringify(stored)).not.toContain('Summarize this support request');
    // created_at is when the request arrived, recorded so that every later read answers the same.
    expect(Math.floor(Date.parse(stored[0].data.created_at) / 1000)).toBe(r.created_at);

    const got = await http(`${t.url}/v1/responses/${r.id}`, { headers: auth });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(r);
  });

  it('streams exactly the specification events, in order, each with a sequence number', async () => {
    const res = await fetch(`${t.url}/v1/responses`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'simple', input: 'Draft a two sentence welcome message.', stream: true }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const all = await readSse(res);
    const names = all.map((e) => e.event);
    const deltas = names.filter((n) => n === 'response.output_text.delta').length;
    expect(deltas).toBeGreaterThan(1);
    expect(names).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array(deltas).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    all.forEach((e, i) => {
      expect(e.data.type).toBe(e.event);
      expect(e.data.sequence_number).toBe(i);
    });
    const done = all[all.length - 1].data.response;
    const text = all.filter((e) => e.event === 'response.output_text.delta').map((e) => e.data.delta).join('');
    expect(done.output[0].content[0].text).toBe(text);
    expect((await http(`${t.url}/v1/responses/${done.id}`, { headers: auth })).body.status).toBe('completed');
  });

  it('streams a function call with argument deltas, then takes its output in the next turn', async () => {
    const tools = [{ type: 'function', name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    const res = await fetch(`${t.url}/v1/responses`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'balanced', input: 'Weather in Paris?', tools, tool_choice: 'required', stream: true }),
    });
    const all = await readSse(res);
    const names = all.map((e) => e.event);
    expect(names.slice(0, 3)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added']);
    expect(names).toContain('response.function_call_arguments.delta');
    expect(names.slice(-3)).toEqual(['response.function_call_arguments.done', 'response.output_item.done', 'response.completed']);
    const call = all[all.length - 1].data.response.output.find((i: any) => i.type === 'function_call');
    expect(call).toMatchObject({ name: 'get_weather', status: 'completed' });
    expect(() => JSON.parse(call.arguments)).not.toThrow();
    const stored = await events(all[0].data.response.id);
    expect(stored.map((e: any) => e.type)).toContain('FunctionCallRequested');

    const next = await post({
      model: 'balanced',
      previous_response_id: all[0].data.response.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":18}' }],
      tools,
    });
    expect(next.status).toBe(200);
    expect(next.body.output[0].type).toBe('message');
    expect(next.body.previous_response_id).toBe(all[0].data.response.id);
  });

  it('runs background turns in the worker: queued at once, completed later', async () => {
    const res = await post({ model: 'balanced', input: 'Background please', background: true });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('queued');
    expect(res.body.background).toBe(true);
    let status = 'queued';
    for (let i = 0; i < 200 && status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await http(`${t.url}/v1/responses/${res.body.id}`, { headers: auth })).body.status;
    }
    expect(status).toBe('completed');
    const types = (await events(res.body.id)).map((e: any) => e.type);
    expect(types.filter((x: string) => x === 'TurnStarted')).toHaveLength(1);
    expect(types).toContain('TurnCompleted');
  });

  it('streams a background turn that asks to be streamed, and stores it, rather than answering it queued', async () => {
    const res = await fetch(`${t.url}/v1/responses`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'balanced', input: 'Stream me in the background', background: true, stream: true }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const streamed = await readSse(res);
    expect(streamed[0].event).toBe('response.created');
    expect(streamed[0].data.response.background).toBe(true);
    const done = streamed[streamed.length - 1];
    expect(done.event).toBe('response.completed');
    const got = await http(`${t.url}/v1/responses/${done.data.response.id}`, { headers: auth });
    expect(got.body).toMatchObject({ status: 'completed', background: true });
    // Run once, here: the worker finds it started and leaves it.
    await new Promise((r) => setTimeout(r, 300));
    expect((await events(done.data.response.id)).filter((e: any) => e.type === 'TurnStarted')).toHaveLength(1);
  });

  it('refuses a background turn that would not be stored, and a previous response that was not', async () => {
    const unstored = await post({ model: 'balanced', input: 'x', background: true, store: false });
    expect({ status: unstored.status, param: unstored.body.error.param }).toEqual({ status: 400, param: 'store' });
    const first = await post({ model: 'balanced', input: 'Remember 42', store: false });
    expect(first.status).toBe(200);
    const next = await post({ model: 'balanced', input: 'Which number?', previous_response_id: first.body.id });
    expect({ status: next.status, param: next.body.error.param }).toEqual({ status: 404, param: 'previous_response_id' });
  });

  it('refuses a function_call_output that answers no function_call before it', async () => {
    const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    const call = await post({ model: 'balanced', input: 'Weather in Paris?', tools, tool_choice: 'required' });
    const callId = call.body.output.find((i: any) => i.type === 'function_call').call_id;
    const wrong = await post({ model: 'balanced', previous_response_id: call.body.id, tools, input: [{ type: 'function_call_output', call_id: 'call_nope', output: 'sunny' }] });
    expect({ status: wrong.status, param: wrong.body.error.param }).toEqual({ status: 400, param: 'input[0].call_id' });
    const alone = await post({ model: 'balanced', input: [{ type: 'function_call_output', call_id: callId, output: 'sunny' }] });
    expect({ status: alone.status, param: alone.body.error.param }).toEqual({ status: 400, param: 'input[0].call_id' });
    const right = await post({ model: 'balanced', previous_response_id: call.body.id, tools, input: [{ type: 'function_call_output', call_id: callId, output: 'sunny' }] });
    expect(right.status).toBe(200);
    // The call and its output sent together need no history.
    const inline = await post({
      model: 'balanced',
      tools,
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'function_call', call_id: 'c-1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'c-1', output: 'sunny' },
      ],
    });
    expect(inline.status).toBe(200);
  });

  it('keeps a server-side conversation per project', async () => {
    const first = await post({ model: 'balanced', conversation: 'support-thread-42', input: 'My order is late' });
    const second = await post({ model: 'balanced', conversation: 'support-thread-42', input: 'Any update?' });
    expect(second.status).toBe(200);
    const requested = (await events(second.body.id))[0];
    expect(requested.data.conversation_id).toBe('support-thread-42');
    // The second turn's context holds the first turn's input and answer.
    const ctx = await t.server.app.get(require('@genaug/event-store').Sealer).unsealJson(requested.data.context_sealed);
    expect(JSON.stringify(ctx)).toContain('My order is late');
    expect(JSON.stringify(ctx)).toContain(first.body.output[0].content[0].text);
    // Ids we issue must exist in the caller's project.
    const other = await createProjectWithKey(t, 'Other project');
    const foreign = await http(`${t.url}/v1/responses`, { headers: { authorization: `Bearer ${other.apiKey}` }, body: { model: 'balanced', conversation: 'conv_0123456789abcdef', input: 'x' } });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.param).toBe('conversation');
  });

  it("commits a conversation turn's outcome and the conversation's items together, first turns racing included", async () => {
    const turns = await Promise.all(['one', 'two', 'three'].map((input) => post({ model: 'balanced', conversation: 'race-thread-7', input })));
    expect(turns.map((r) => r.status)).toEqual([200, 200, 200]);
    const conversation = (
      await t.db.pool.query(`select type, transaction_id::text as tx, data->>'response_id' as response_id from genaug_events where stream_id = $1 order by stream_version`, [
        `conversation-${projectId}-race-thread-7`,
      ])
    ).rows;
    expect(conversation.map((e: any) => e.type)).toEqual(['ConversationStarted', 'ConversationItemsAdded', 'ConversationItemsAdded', 'ConversationItemsAdded']);
    for (const turn of turns) {
      const completed = await t.db.pool.query(`select transaction_id::text as tx from genaug_events where stream_id = $1 and type = 'TurnCompleted'`, [`turn-${turn.body.id}`]);
      expect(conversation.find((e: any) => e.response_id === turn.body.id)?.tx).toBe(completed.rows[0].tx);
    }
  });

  it('hides other projects: response ids and previous_response_id are 404s', async () => {
    const mine = await post({ model: 'balanced', input: 'mine' });
    const other = await createProjectWithKey(t, 'Stranger');
    const otherAuth = { authorization: `Bearer ${other.apiKey}` };
    expect((await http(`${t.url}/v1/responses/${mine.body.id}`, { headers: otherAuth })).status).toBe(404);
    const chained = await http(`${t.url}/v1/responses`, { headers: otherAuth, body: { model: 'balanced', input: 'x', previous_response_id: mine.body.id } });
    expect(chained.status).toBe(404);
    expect(chained.body.error.param).toBe('previous_response_id');
  });

  it('refuses bad requests with a 400 naming the field, and large bodies with a 413', async () => {
    const cases: [unknown, string][] = [
      [{ input: 'x' }, 'model'],
      [{ model: 'balanced' }, 'input'],
      [{ model: 'gigantic', input: 'x' }, 'model'],
      [{ model: 'balanced', input: 'x', temperature: 3 }, 'temperature'],
      [{ model: 'balanced', input: 'x', metadata: { a: 'x'.repeat(513) } }, 'metadata.a'],
      [{ model: 'balanced', input: [{ role: 'user', content: [{ type: 'bogus' }] }] }, 'input[0].content[0].type'],
      [{ model: 'balanced', input: 'x', tool_choice: { type: 'function', name: 'nope' } }, 'tool_choice'],
      [{ model: 'balanced', input: 'x', text: { format: { type: 'json_schema', name: 's', schema: { type: 'nonsense' }, strict: true } } }, 'text.format.schema'],
    ];
    for (const [body, param] of cases) {
      const res = await post(body);
      expect({ status: res.status, param: res.body.error?.param }).toEqual({ status: 400, param });
      expect(res.body.error.type).toBe('invalid_request_error');
    }
    const big = await post({ model: 'balanced', input: 'x'.repeat(1_100_000) });
    expect(big.status).toBe(413);
    expect((await http(`${t.url}/v1/responses`, { body: { model: 'balanced', input: 'x' } })).status).toBe(401);
  });

  it('answers an error and records nothing of a turn whose request could not be recorded', async () => {
    // The model is asked while the request is recorded; this makes that append fail.
    await t.db.pool.query(`
      create function refuse_unrecordable() returns trigger language plpgsql as $$
      begin
        if new.type = 'TurnRequested' and new.metadata->>'correlation_id' like 'req_unrecordable%' then raise exception 'refused'; end if;
        return new;
      end $$;
      create trigger refuse_unrecordable before insert on genaug_events for each row execute function refuse_unrecordable();`);
    try {
      for (const stream of [false, true]) {
        const res = await post({ model: 'balanced', input: 'Hello', stream }, { 'x-request-id': `req_unrecordable_${stream}` });
        expect(res.status).toBe(500);
        expect(res.headers.get('content-type')).toContain('application/json');
      }
      const recorded = await t.db.pool.query(`select count(*)::int as n from genaug_events where metadata->>'correlation_id' like 'req_unrecordable%'`);
      expect(recorded.rows[0].n).toBe(0);
    } finally {
      await t.db.pool.query('drop trigger refuse_unrecordable on genaug_events; drop function refuse_unrecordable()');
    }
  });

  describe('idempotency', () => {
    it('answers 20 concurrent retries with one model call and one response id', async () => {
      const body = { model: 'balanced', user: 'u-idem', input: 'Charge once please' };
      const results: { status: number; body: any }[] = await Promise.all(Array.from({ length: 20 }, () => post(body, { 'x-idempotency-key': 'support-thread-123-turn-1' })));
      const ids = new Set(results.map((r) => r.body.id));
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(ids.size).toBe(1);
      const [id] = [...ids];
      const modelCalls = (await events(id)).filter((e: any) => e.type === 'ModelCalled');
      expect(modelCalls).toHaveLength(1);
      const turns = await t.db.pool.query(`select count(*)::int as n from genaug_events where type = 'TurnRequested' and data->>'idempotency_key' = 'support-thread-123-turn-1'`);
      expect(turns.rows[0].n).toBe(1);
      // A later retry, streamed, replays the same response.
      const replay = await fetch(`${t.url}/v1/responses`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'x-idempotency-key': 'support-thread-123-turn-1' },
        body: JSON.stringify(body),
      });
      expect(((await replay.json()) as any).id).toBe(id);
    });

    it('refuses the same key with a different body (422)', async () => {
      await post({ model: 'balanced', input: 'first' }, { 'x-idempotency-key': 'k-422' });
      const res = await post({ model: 'balanced', input: 'second' }, { 'x-idempotency-key': 'k-422' });
      expect(res.status).toBe(422);
      expect(res.body.reason).toBe('idempotency_key_reused');
    });
  });

  describe('with upstream providers', () => {
    let slow: FakeUpstream;
    let fast: FakeUpstream;
    beforeAll(async () => {
      slow = await startFakeOpenAI({ delayMs: 3000 });
      fast = await startFakeOpenAI({ chunkDelayMs: 5 });
    });
    afterAll(async () => {
      await slow.close();
      await fast.close();
    });

    const configure = async (models: unknown) => {
      const res = await http(`${t.url}/api/v1/admin/projects/${projectId}`, { method: 'PATCH', headers: { 'x-admin-key': t.adminKey }, body: { settings: { models } } });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100)); // the settings cache of the turn planner
    };

    it('falls back to the next model when the first times out, and records both calls', async () => {
      await configure({
        providers: { slow: { kind: 'openai', baseUrl: slow.url, apiKey: 'k', answerTimeoutMs: 200, maxRetries: 0 }, fast: { kind: 'openai', baseUrl: fast.url, apiKey: 'k', maxRetries: 0 } },
        tiers: { balanced: ['slow/gpt-slow', 'fast/gpt-fast'] },
      });
      const res = await post({ model: 'balanced', input: 'Hello upstream' });
      expect(res.status).toBe(200);
      expect(res.body.metadata.general_augment_model).toBe('gpt-fast');
      expect(res.body.output[0].content[0].text).toContain('Hello upstream');
      const calls = (await events(res.body.id)).filter((e: any) => e.type === 'ModelCalled').map((e: any) => [e.data.model, e.data.outcome]);
      expect(calls).toEqual([['gpt-slow', 'timeout'], ['gpt-fast', 'ok']]);
      // Nobody watches this answer arrive, so the model is asked for it whole.
      expect(fast.calls[fast.calls.length - 1].body.stream).toBeUndefined();
    });

    it('answers 504 upstream_timeout when every model times out, and records the failed turn', async () => {
      await configure({ providers: { slow: { kind: 'openai', baseUrl: slow.url, apiKey: 'k', answerTimeoutMs: 150, maxRetries: 0 } }, tiers: { balanced: ['slow/gpt-slow'] } });
      const res = await post({ model: 'balanced', input: 'x' });
      expect(res.status).toBe(504);
      expect(res.body.reason).toBe('upstream_timeout');
      const id = res.body.response.id;
      expect((await events(id)).map((e: any) => e.type)).toContain('TurnFailed');
      expect((await http(`${t.url}/v1/responses/${id}`, { headers: auth })).body.status).toBe('failed');
    });

    it('repairs structured output once, then answers incomplete when it still does not validate', async () => {
      await configure({ providers: { fast: { kind: 'openai', baseUrl: fast.url, apiKey: 'k', maxRetries: 0 } }, tiers: { balanced: ['fast/gpt-fast'] } });
      const format = { type: 'json_schema', name: 'travel_preference', strict: true, schema: { type: 'object', required: ['seat'], properties: { seat: { type: 'string' } }, additionalProperties: false } };
      let n = 0;
      fast.options.reply = () => ({ text: n++ === 0 ? '{"seat": 12}' : '{"seat":"window"}' });
      const before = fast.calls.length;
      const repaired = await post({ model: 'balanced', input: 'Extract: window seat.', text: { format } });
      expect(repaired.status).toBe(200);
      expect(repaired.body.status).toBe('completed');
      expect(JSON.parse(repaired.body.output[0].content[0].text)).toEqual({ seat: 'window' });
      expect(fast.calls.length - before).toBe(2);
      expect(JSON.stringify(fast.calls[fast.calls.length - 1].body.messages)).toContain('did not match the required JSON schema');

      fast.options.reply = { text: 'not json' };
      const failed = await post({ model: 'balanced', input: 'Extract: window seat.', text: { format } });
      expect(failed.body.status).toBe('incomplete');
      expect(failed.body.incomplete_details.reason).toBe('structured_output_invalid');
      fast.options.reply = undefined;
    });

    it('completes and stores a streamed turn whose client disconnected mid-stream', async () => {
      await configure({ providers: { fast: { kind: 'openai', baseUrl: fast.url, apiKey: 'k', maxRetries: 0 } }, tiers: { balanced: ['fast/gpt-fast'] } });
      fast.options.chunkDelayMs = 100;
      fast.options.reply = { text: 'one two three four five six seven eight nine ten eleven twelve' };
      const controller = new AbortController();
      const res = await fetch(`${t.url}/v1/responses`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'balanced', input: 'long answer', stream: true }),
        signal: controller.signal,
      });
      let id = '';
      await readSse(res, (e) => {
        if (e.event === 'response.created') id = e.data.response.id;
        if (e.event === 'response.output_text.delta') {
          controller.abort();
          return false;
        }
      }).catch(() => undefined);
      expect(id).toMatch(/^resp_/);
      let got: any;
      for (let i = 0; i < 100; i++) {
        got = await http(`${t.url}/v1/responses/${id}`, { headers: auth });
        if (got.body.status === 'completed') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(got.body.status).toBe('completed');
      expect(got.body.output[0].content[0].text).toContain('twelve');
      expect(fast.calls[fast.calls.length - 1].body.stream).toBe(true);
      fast.options.chunkDelayMs = 5;
      fast.options.reply = undefined;
    });
  });
});
