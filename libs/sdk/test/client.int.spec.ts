import { GeneralAugmentAPIError, GeneralAugmentClient, responseOutputText, type ResponseStreamEvent } from '@genaug/sdk';
import { buildResponse, encodeSseEvent, parseCreateResponseRequest, ResponseSequencer, SSE_DONE, SSE_KEEP_ALIVE } from '@genaug/responses';
import { ContractServer, errorBody, json } from './contract-server';

const server = new ContractServer();
let sleeps: number[];

function client(options: Partial<ConstructorParameters<typeof GeneralAugmentClient>[0]> = {}) {
  return new GeneralAugmentClient({
    apiKey: 'gaadmlive_project_key',
    baseUrl: server.url,
    timeoutMs: 5_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<GeneralAugmentAPIError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GeneralAugmentAPIError) return err;
    throw err;
  }
  throw new Error('expected a GeneralAugmentAPIError');
}

function completedResponse(body: unknown, text: string) {
  const request = parseCreateResponseRequest(body);
  return buildResponse(request, {
    id: 'resp_1',
    createdAt: new Date(),
    completedAt: new Date(),
    status: 'completed',
    output: [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] }],
    usage: { inputTokens: 9, outputTokens: 4 },
    metadata: { ...(request.metadata ?? {}), general_augment_request_id: 'req_app_123', general_augment_trace_id: 'trace_1' },
  });
}

beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  server.reset();
  sleeps = [];
});

describe('createResponse', () => {
  it('sends the reference call with its headers and returns the response', async () => {
    server.answer((req, res) => json(res, 200, completedResponse(req.body, 'Next action: refund.')));
    const response = await client().createResponse(
      {
        model: 'balanced',
        user: 'app-user-123',
        input: 'Summarize this support request and suggest the next action.',
        metadata: { feature: 'support-triage' },
      },
      { idempotencyKey: 'support-thread-123-turn-1', requestId: 'req_app_123' },
    );
    const [req] = server.received;
    expect(req).toMatchObject({ method: 'POST', path: '/v1/responses' });
    expect(req.headers).toMatchObject({
      authorization: 'Bearer gaadmlive_project_key',
      'content-type': 'application/json',
      accept: 'application/json',
      'x-idempotency-key': 'support-thread-123-turn-1',
      'x-request-id': 'req_app_123',
      'user-agent': 'general-augment-sdk-typescript/0.1.1',
    });
    expect(req.body).toEqual({
      model: 'balanced',
      user: 'app-user-123',
      input: 'Summarize this support request and suggest the next action.',
      metadata: { feature: 'support-triage' },
      stream: false,
    });
    expect(response).toMatchObject({ id: 'resp_1', object: 'response', status: 'completed', metadata: { general_augment_trace_id: 'trace_1' } });
    expect(responseOutputText(response)).toBe('Next action: refund.');
  });

  it('compacts a conversation, with its idempotency key', async () => {
    const compaction = { id: 'resp_7', object: 'response.compaction', created_at: 1, output: [{ id: 'cmp_1', type: 'compaction', encrypted_content: 'sealed' }], usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } } };
    server.answer((_req, res) => json(res, 200, compaction));
    const compacted = await client().compactResponse({ model: 'balanced', previous_response_id: 'resp_6', user: 'app-user-123' }, { idempotencyKey: 'compact-1' });
    const [req] = server.received;
    expect(req).toMatchObject({ method: 'POST', path: '/v1/responses/compact', body: { model: 'balanced', previous_response_id: 'resp_6', user: 'app-user-123' } });
    expect(req.headers['x-idempotency-key']).toBe('compact-1');
    expect(compacted).toEqual(compaction);
  });

  it('makes a conversation, pages its items and deletes one', async () => {
    const conversation = { id: 'conv_1', object: 'conversation', created_at: 1, metadata: { topic: 'trip' } };
    const page = { object: 'list', data: [{ id: 'msg_2', type: 'message' }], first_id: 'msg_2', last_id: 'msg_2', has_more: true };
    server.answer(
      (_req, res) => json(res, 200, conversation),
      (_req, res) => json(res, 200, page),
      (_req, res) => json(res, 200, conversation),
    );
    const made = await client().createConversation({ items: [{ role: 'user', content: 'Lisbon' }], metadata: { topic: 'trip' }, user: 'app-user-1' });
    const items = await client().listConversationItems('conv_1', { limit: 1, order: 'asc', after: 'msg_1' });
    const after = await client().deleteConversationItem('conv_1', 'msg_2');
    expect(server.received.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/v1/conversations'],
      ['GET', '/v1/conversations/conv_1/items'],
      ['DELETE', '/v1/conversations/conv_1/items/msg_2'],
    ]);
    expect(server.received[0].body).toEqual({ items: [{ role: 'user', content: 'Lisbon' }], metadata: { topic: 'trip' }, user: 'app-user-1' });
    expect(server.received[1].query).toEqual({ limit: '1', order: 'asc', after: 'msg_1' });
    expect([made, items, after]).toEqual([conversation, page, conversation]);
  });

  it('gets a stored response by id', async () => {
    server.answer((req, res) => json(res, 200, { ...completedResponse({ model: 'balanced', input: 'x' }, 'stored'), id: 'resp_42' }));
    const response = await client().getResponse('resp_42');
    expect(server.received[0]).toMatchObject({ method: 'GET', path: '/v1/responses/resp_42' });
    expect(responseOutputText(response)).toBe('stored');
  });
});

describe('errors', () => {
  it('keeps status, reason, code, Retry-After, rate-limit headers, request and trace ids, and the body', async () => {
    const body = errorBody('rate_limit_error', 'rate_limited', 'Rate limit reached', { trace_id: 'trace_9' });
    server.answer((_req, res) =>
      json(res, 429, body, {
        'Retry-After': '7',
        'X-RateLimit-Limit': '60',
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': '7',
        'X-Request-ID': 'req_abc',
      }),
    );
    const err = await rejectionOf(client().createResponse({ model: 'balanced', input: 'hi' }));
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      name: 'GeneralAugmentAPIError',
      message: 'Rate limit reached',
      status: 429,
      reason: 'rate_limited',
      code: 'rate_limited',
      type: 'rate_limit_error',
      retryAfter: 7,
      rateLimit: { limit: 60, remaining: 0, reset: 7 },
      requestId: 'req_abc',
      traceId: 'trace_9',
      body,
    });
  });

  it('reads the reason from the integration guide shapes and ids from response metadata', async () => {
    server.answer((_req, res) =>
      json(res, 402, { message: 'Budget reached', detail: { reason: 'budget_exceeded' }, metadata: { general_augment_request_id: 'req_m', general_augment_trace_id: 'trace_m' } }),
    );
    const err = await rejectionOf(client().createResponse({ model: 'balanced', input: 'hi' }, { idempotencyKey: 'k' }));
    expect(err).toMatchObject({ status: 402, reason: 'budget_exceeded', message: 'Budget reached', requestId: 'req_m', traceId: 'trace_m', retryAfter: null });
  });

  it('names the rejected field of a 400', async () => {
    server.answer((_req, res) => json(res, 400, { error: { message: "Invalid 'temperature'", type: 'invalid_request_error', code: 'invalid_request', param: 'temperature' }, reason: 'invalid_request' }));
    const err = await rejectionOf(client().createResponse({ model: 'balanced', input: 'hi', temperature: 9 }));
    expect(err).toMatchObject({ status: 400, reason: 'invalid_request', param: 'temperature' });
  });

  it('reports a stalled call as request_timeout, and timeoutMs: 0 waits', async () => {
    const slow = (_req: unknown, res: import('node:http').ServerResponse) => {
      setTimeout(() => json(res, 200, completedResponse({ model: 'm', input: 'x' }, 'late')), 300);
    };
    server.answer(slow);
    const err = await rejectionOf(client({ timeoutMs: 50 }).createResponse({ model: 'm', input: 'x' }, { idempotencyKey: 'k', requestId: 'req_t' }));
    expect(err).toMatchObject({ status: 0, reason: 'request_timeout', code: 'request_timeout', requestId: 'req_t' });
    expect(server.received).toHaveLength(1);

    server.answer(slow);
    expect(responseOutputText(await client({ timeoutMs: 0 }).createResponse({ model: 'm', input: 'x' }))).toBe('late');
  });
  it('leaves a caller abort as an AbortError, not an API error', async () => {
    let arrived!: () => void;
    const received = new Promise<void>((resolve) => (arrived = resolve));
    server.answer(() => arrived()); // …and never answers
    const controller = new AbortController();
    const pending = client().createResponse({ model: 'm', input: 'x' }, { signal: controller.signal, idempotencyKey: 'k' });
    await received;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.received).toHaveLength(1);
  });
});

describe('retries', () => {
  const unavailable = (_req: unknown, res: import('node:http').ServerResponse) => json(res, 503, errorBody('server_error', 'unavailable', 'Try again'));
  const ok = (_req: unknown, res: import('node:http').ServerResponse) => json(res, 200, completedResponse({ model: 'm', input: 'x' }, 'ok'));

  it('never retries a POST without an idempotency key', async () => {
    server.answer(unavailable, ok);
    const err = await rejectionOf(client().createResponse({ model: 'm', input: 'x' }));
    expect(err.status).toBe(503);
    expect(server.received).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries a keyed POST on 5xx with jittered exponential backoff, same key each time', async () => {
    server.answer(unavailable, unavailable, ok);
    const response = await client().createResponse({ model: 'm', input: 'x' }, { idempotencyKey: 'turn-1' });
    expect(responseOutputText(response)).toBe('ok');
    expect(server.received.map((r) => r.headers['x-idempotency-key'])).toEqual(['turn-1', 'turn-1', 'turn-1']);
    expect(sleeps).toEqual([375, 750]);
  });

  it('retries a cancellation, which is harmless to repeat, without a key', async () => {
    const cancelled = (_req: unknown, res: import('node:http').ServerResponse) =>
      json(res, 200, { ...completedResponse({ model: 'm', input: 'x' }, ''), id: 'resp_9', status: 'cancelled', output: [] });
    server.answer(unavailable, cancelled);
    const response = await client().cancelResponse('resp_9');
    expect(response.status).toBe('cancelled');
    expect(server.received.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/v1/responses/resp_9/cancel'],
      ['POST', '/v1/responses/resp_9/cancel'],
    ]);
    expect(sleeps).toEqual([375]);
  });

  it('honours Retry-After (seconds or a date) on a 429 GET', async () => {
    const limited = (retryAfter: string) => (_req: unknown, res: import('node:http').ServerResponse) =>
      json(res, 429, errorBody('rate_limit_error', 'rate_limited', 'Slow down'), { 'Retry-After': retryAfter });
    server.answer(limited('3'), limited(new Date(Date.now() + 10_000).toUTCString()), ok);
    await client().getResponse('resp_1');
    expect(server.received).toHaveLength(3);
    expect(sleeps[0]).toBe(3125);
    expect(sleeps[1]).toBeGreaterThanOrEqual(8000);
    expect(sleeps[1]).toBeLessThanOrEqual(10_250);
  });

  it('gives up after maxRetries and reports the last error', async () => {
    server.always(unavailable);
    try {
      const err = await rejectionOf(client().getResponse('resp_1'));
      expect(err).toMatchObject({ status: 503, reason: 'unavailable' });
      expect(server.received).toHaveLength(3);
      server.reset();
      await rejectionOf(client({ maxRetries: 0 }).getResponse('resp_1'));
      expect(server.received).toHaveLength(1);
    } finally {
      server.always((_req, res) => json(res, 404, {}));
    }
  });

  it('does not retry a budget refusal or a Retry-After beyond a minute', async () => {
    server.answer((_req, res) => json(res, 402, errorBody('insufficient_quota', 'budget_exceeded', 'Budget reached')));
    expect((await rejectionOf(client().createResponse({ model: 'm', input: 'x' }, { idempotencyKey: 'k' }))).reason).toBe('budget_exceeded');
    server.answer((_req, res) => json(res, 429, errorBody('rate_limit_error', 'daily_limit_reached', 'Daily limit'), { 'Retry-After': '3600' }));
    const err = await rejectionOf(client().getResponse('resp_1'));
    expect(err).toMatchObject({ reason: 'daily_limit_reached', retryAfter: 3600 });
    expect(server.received).toHaveLength(2);
    expect(sleeps).toEqual([]);
  });

  it('retries a GET whose connection was refused, then reports connection_error', async () => {
    const closed = await new ContractServer().start();
    await closed.stop();
    const err = await rejectionOf(client({ baseUrl: closed.url }).getResponse('resp_1'));
    expect(err).toMatchObject({ status: 0, reason: 'connection_error' });
    expect(sleeps).toHaveLength(2);
  });
});

describe('streamResponse', () => {
  /** The events the real server would send for this request, from the shared contract code. */
  function contractStream(body: unknown, deltas: string[]): string {
    const seq = new ResponseSequencer({ request: parseCreateResponseRequest(body), responseId: 'resp_s' });
    const events = [...deltas.flatMap((delta) => seq.push({ type: 'text.delta', delta })), ...seq.push({ type: 'completed', usage: { inputTokens: 3, outputTokens: 5 } })];
    const frames = events.map(encodeSseEvent);
    frames.splice(3, 0, SSE_KEEP_ALIVE);
    return frames.join('') + SSE_DONE;
  }

  it('yields every event of a stream cut at awkward byte boundaries', async () => {
    const deltas = ['Wel', 'come 👋 ', 'to the café.\n', 'Second sentence.'];
    server.answer(async (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const bytes = Buffer.from(contractStream(req.body, deltas), 'utf8');
      // 7-byte pieces split JSON, field names, CR/LF pairs and multi-byte characters.
      for (let i = 0; i < bytes.length; i += 7) {
        res.write(bytes.subarray(i, i + 7));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    const events: ResponseStreamEvent[] = [];
    let text = '';
    for await (const event of client().streamResponse({ model: 'balanced', user: 'app-user-123', input: 'Draft a two sentence welcome message.' })) {
      events.push(event);
      if (event.event === 'response.output_text.delta') text += String((event.data as any).delta ?? '');
    }
    expect(server.received[0].body).toMatchObject({ stream: true });
    expect(server.received[0].headers.accept).toBe('text/event-stream');
    expect(text).toBe(deltas.join(''));
    expect(events.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...deltas.map(() => 'response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    for (const event of events) expect((event.data as { type: string }).type).toBe(event.event);
    expect(responseOutputText((events.at(-1)!.data as any).response)).toBe(deltas.join(''));
  });

  it('resumes a response stream after the last event it has (GET ?stream=true&starting_after=N)', async () => {
    server.answer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const all = contractStream({ model: 'm', input: 'x' }, ['a', 'b', 'c']).split('\n\n').filter((f) => f.startsWith('event:'));
      res.end(all.slice(Number(req.query.starting_after) + 1).map((f) => `${f}\n\n`).join('') + SSE_DONE);
    });
    const events: ResponseStreamEvent[] = [];
    for await (const event of client().resumeResponseStream('resp_s', { startingAfter: 4 })) events.push(event);
    expect(server.received[0]).toMatchObject({ method: 'GET', path: '/v1/responses/resp_s', query: { stream: 'true', starting_after: '4' } });
    expect(server.received[0].headers.accept).toBe('text/event-stream');
    expect(events.map((e) => (e.data as any).sequence_number)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(events.map((e) => e.event).slice(0, 2)).toEqual(['response.output_text.delta', 'response.output_text.delta']);
    expect(events.at(-1)!.event).toBe('response.completed');
  });

  it('closes the connection when the caller stops reading', async () => {
    let closed!: Promise<void>;
    server.answer((req, res) => {
      closed = new Promise((resolve) => res.on('close', () => resolve()));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(contractStream(req.body, ['a', 'b']).split(SSE_KEEP_ALIVE)[0]);
      // …and never ends on its own.
    });
    for await (const event of client().streamResponse({ model: 'm', input: 'x' })) {
      if (event.event === 'response.output_item.added') break;
    }
    await closed;
    expect(server.received).toHaveLength(1);
  });

  it('reports a stream that goes quiet as request_timeout, after the events that did arrive', async () => {
    server.answer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(contractStream(req.body, ['a']).split(SSE_KEEP_ALIVE)[0]);
    });
    const seen: string[] = [];
    const err = await rejectionOf(
      (async () => {
        for await (const event of client({ timeoutMs: 500 }).streamResponse({ model: 'm', input: 'x' })) seen.push(event.event);
      })(),
    );
    expect(err.reason).toBe('request_timeout');
    expect(seen).toEqual(['response.created', 'response.in_progress', 'response.output_item.added']);
  });

  it('throws the API error when the stream is refused before it starts', async () => {
    server.answer((_req, res) => json(res, 401, errorBody('authentication_error', 'invalid_api_key', 'Missing or invalid API key')));
    const err = await rejectionOf(
      (async () => {
        for await (const _event of client().streamResponse({ model: 'm', input: 'x' })) {
          // nothing arrives
        }
      })(),
    );
    expect(err).toMatchObject({ status: 401, reason: 'invalid_api_key' });
  });
});

describe('response, conversation, memory and admin helpers', () => {
  const cases: [string, (c: GeneralAugmentClient) => Promise<unknown>, { method: string; path: string; query?: Record<string, string>; body?: unknown; admin?: boolean }][] = [
    ['storeMemory', (c) => c.storeMemory({ user_id: 'app-user-123', fact: 'User prefers window seats', fact_type: 'preference', importance_score: 0.9, source: 'booking', idempotency_key: 'memory-window-seat-1' }), { method: 'POST', path: '/v1/memory', body: { user_id: 'app-user-123', fact: 'User prefers window seats', fact_type: 'preference', importance_score: 0.9, source: 'booking', idempotency_key: 'memory-window-seat-1' } }],
    ['deleteResponse', (c) => c.deleteResponse('resp_42'), { method: 'DELETE', path: '/v1/responses/resp_42' }],
    ['listModels', (c) => c.listModels(), { method: 'GET', path: '/v1/models' }],
    ['getModel', (c) => c.getModel('openai/gpt-4.1'), { method: 'GET', path: '/v1/models/openai%2Fgpt-4.1' }],
    ['countInputTokens', (c) => c.countInputTokens({ model: 'balanced', input: 'Hello' }), { method: 'POST', path: '/v1/responses/input_tokens', body: { model: 'balanced', input: 'Hello' } }],
    ['getConversation', (c) => c.getConversation('conv_1'), { method: 'GET', path: '/v1/conversations/conv_1' }],
    ['updateConversation', (c) => c.updateConversation('conv_1', { topic: 'trip' }), { method: 'POST', path: '/v1/conversations/conv_1', body: { metadata: { topic: 'trip' } } }],
    ['deleteConversation', (c) => c.deleteConversation('conv_1'), { method: 'DELETE', path: '/v1/conversations/conv_1' }],
    ['addConversationItems', (c) => c.addConversationItems('conv_1', [{ role: 'user', content: 'hi' }]), { method: 'POST', path: '/v1/conversations/conv_1/items', body: { items: [{ role: 'user', content: 'hi' }] } }],
    ['getConversationItem', (c) => c.getConversationItem('conv_1', 'msg_1'), { method: 'GET', path: '/v1/conversations/conv_1/items/msg_1' }],
    ['searchMemory', (c) => c.searchMemory({ user_id: 'u1', query: 'seat', limit: 3 }), { method: 'POST', path: '/v1/memory/search', body: { user_id: 'u1', query: 'seat', limit: 3 } }],
    ['listMemory', (c) => c.listMemory('u1', { limit: 5 }), { method: 'GET', path: '/v1/memory', query: { user_id: 'u1', limit: '5' } }],
    ['memoryProfile', (c) => c.memoryProfile('u 1'), { method: 'GET', path: '/v1/memory/profile', query: { user_id: 'u 1' } }],
    ['deleteMemory', (c) => c.deleteMemory('mem_1', { userId: 'u1' }), { method: 'DELETE', path: '/v1/memory/mem_1', query: { user_id: 'u1' } }],
    ['purgeMemory', (c) => c.purgeMemory('u1'), { method: 'POST', path: '/v1/memory/purge', body: { user_id: 'u1' } }],
    ['createProject', (c) => c.createProject({ name: 'My App' }), { method: 'POST', path: '/api/v1/admin/projects', body: { name: 'My App' }, admin: true }],
    ['listProjects', (c) => c.listProjects(), { method: 'GET', path: '/api/v1/admin/projects', admin: true }],
    ['getProject', (c) => c.getProject('p1'), { method: 'GET', path: '/api/v1/admin/projects/p1', admin: true }],
    ['createApiKey', (c) => c.createApiKey('p1', { scopes: ['responses'], environment: 'development' }), { method: 'POST', path: '/api/v1/admin/projects/p1/keys', body: { scopes: ['responses'], environment: 'development' }, admin: true }],
    ['revokeApiKey', (c) => c.revokeApiKey('p1', 'key_1'), { method: 'DELETE', path: '/api/v1/admin/projects/p1/keys/key_1', admin: true }],
    ['updateProjectSettings', (c) => c.updateProjectSettings('p1', { limits: { requests_per_minute: 10 } }), { method: 'PATCH', path: '/api/v1/admin/projects/p1', body: { settings: { limits: { requests_per_minute: 10 } } }, admin: true }],
    ['usage', (c) => c.usage('project_123', { startDate: '2026-04-01', endDate: '2026-04-24' }), { method: 'GET', path: '/api/v1/admin/projects/project_123/usage', query: { start_date: '2026-04-01', end_date: '2026-04-24' }, admin: true }],
    ['usage by day', (c) => c.usage('p1', { startDate: '2026-04-01', endDate: '2026-04-02', groupBy: 'day' }), { method: 'GET', path: '/api/v1/admin/projects/p1/usage', query: { start_date: '2026-04-01', end_date: '2026-04-02', group_by: 'day' }, admin: true }],
    ['trace', (c) => c.trace('p1', 'trace_1'), { method: 'GET', path: '/api/v1/admin/projects/p1/traces/trace_1', admin: true }],
    ['supportBundle', (c) => c.supportBundle('p1', 'resp_1'), { method: 'GET', path: '/api/v1/admin/projects/p1/support-bundles/resp_1', admin: true }],
    ['listApprovals', (c) => c.listApprovals('p1', { status: 'pending' }), { method: 'GET', path: '/api/v1/admin/projects/p1/approvals', query: { status: 'pending' }, admin: true }],
    ['resolveApproval', (c) => c.resolveApproval('p1', 'appr_1', 'deny'), { method: 'POST', path: '/api/v1/admin/projects/p1/approvals/appr_1/deny', admin: true }],
    ['createScheduledJob', (c) => c.createScheduledJob('project_123', { target_app_user_id: 'app-user-123', prompt: 'Review.', schedule: { type: 'interval', every_seconds: 3600 } }), { method: 'POST', path: '/api/v1/admin/projects/project_123/scheduled-jobs', body: { target_app_user_id: 'app-user-123', prompt: 'Review.', schedule: { type: 'interval', every_seconds: 3600 } }, admin: true }],
    ['listScheduledJobs', (c) => c.listScheduledJobs('p1', { status: 'active' }), { method: 'GET', path: '/api/v1/admin/projects/p1/scheduled-jobs', query: { status: 'active' }, admin: true }],
    ['listScheduledJobRuns', (c) => c.listScheduledJobRuns('p1', 'job_1', { limit: 20 }), { method: 'GET', path: '/api/v1/admin/projects/p1/scheduled-jobs/job_1/runs', query: { limit: '20' }, admin: true }],
    ['dispatchScheduledJob', (c) => c.dispatchScheduledJob('p1', 'job_1', { dispatchKey: 'operator-smoke-1', execute: false }), { method: 'POST', path: '/api/v1/admin/projects/p1/scheduled-jobs/job_1/dispatch', body: { dispatch_key: 'operator-smoke-1', execute: false }, admin: true }],
    ['pauseScheduledJob', (c) => c.pauseScheduledJob('p1', 'job_1'), { method: 'POST', path: '/api/v1/admin/projects/p1/scheduled-jobs/job_1/pause', admin: true }],
    ['resumeScheduledJob', (c) => c.resumeScheduledJob('p1', 'job_1'), { method: 'POST', path: '/api/v1/admin/projects/p1/scheduled-jobs/job_1/resume', admin: true }],
    ['deleteScheduledJob', (c) => c.deleteScheduledJob('p1', 'job_1'), { method: 'DELETE', path: '/api/v1/admin/projects/p1/scheduled-jobs/job_1', admin: true }],
  ];

  it.each(cases)('%s calls its route', async (_name, call, expected) => {
    server.answer((_req, res) => json(res, 200, { id: 'x', object: 'thing' }));
    const result = await call(client({ adminKey: 'admin-key-0123456789' }));
    expect(result).toEqual({ id: 'x', object: 'thing' });
    const [req] = server.received;
    expect(req.method).toBe(expected.method);
    expect(req.path).toBe(expected.path);
    expect(req.query).toEqual(expected.query ?? {});
    expect(req.body).toEqual(expected.body);
    expect(req.headers.authorization).toBe('Bearer gaadmlive_project_key');
    expect(req.headers['x-admin-key']).toBe(expected.admin ? 'admin-key-0123456789' : undefined);
  });

  it('sends the project key as X-Admin-Key when no admin key is set', async () => {
    server.answer((_req, res) => json(res, 200, { object: 'list', data: [] }));
    await client().listApprovals('p1', { status: 'pending' });
    expect(server.received[0].headers['x-admin-key']).toBe('gaadmlive_project_key');
  });

  it('escapes ids in paths', async () => {
    server.answer((_req, res) => json(res, 200, {}));
    await client().getResponse('../admin?x=1');
    expect(server.received[0].path).toBe('/v1/responses/..%2Fadmin%3Fx%3D1');
  });
});

describe('client options', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads the base URL and key from GENAUG_API_BASE_URL and GENAUG_API_KEY', async () => {
    process.env.GENAUG_API_BASE_URL = server.url;
    process.env.GENAUG_API_KEY = 'local-test';
    server.answer((_req, res) => json(res, 200, completedResponse({ model: 'm', input: 'x' }, 'env')));
    const c = new GeneralAugmentClient();
    expect(c.baseUrl).toBe(server.url);
    await c.createResponse({ model: 'm', input: 'x' });
    expect(server.received[0].headers.authorization).toBe('Bearer local-test');
  });

  it('defaults to the hosted API and refuses to start without a key', () => {
    delete process.env.GENAUG_API_BASE_URL;
    delete process.env.GENAUG_API_KEY;
    delete process.env.GENAUG_ADMIN_KEY;
    expect(new GeneralAugmentClient({ apiKey: 'k' }).baseUrl).toBe('https://api.generalaugment.com');
    expect(() => new GeneralAugmentClient({})).toThrow(/apiKey/);
  });
});
