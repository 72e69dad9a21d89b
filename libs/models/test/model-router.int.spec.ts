import type { Clock } from '@genaug/kernel';
import {
  collectAnswer,
  costUsd,
  loadModelEnv,
  ModelCallFailed,
  modelSettingsSchema,
  ModelRouter,
  type ModelSettingsInput,
  type ModelStreamEvent,
} from '@genaug/models';
import { startFakeAnthropic, startFakeOpenAI, type FakeUpstream } from '../../../test/support/upstreams';

const user = (text: string) => ({ type: 'message' as const, role: 'user' as const, content: text });
const hello = { messages: [user('Hello there')] };
const settings = (input: ModelSettingsInput) => modelSettingsSchema.parse(input);

/** A clock that moves 7 ms each time it is read, so every attempt measures 7 ms. */
const steppingClock = (): Clock => {
  let at = Date.parse('2026-01-01T00:00:00Z');
  return { now: () => new Date((at += 7)) };
};

describe('model router', () => {
  let openai: FakeUpstream;
  let anthropic: FakeUpstream;
  let sleeps: number[];
  let router: ModelRouter;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ apiKey: 'sk-test' });
    anthropic = await startFakeAnthropic({ apiKey: 'ant-test' });
  });
  afterAll(async () => {
    await openai.close();
    await anthropic.close();
  });
  beforeEach(() => {
    for (const upstream of [openai, anthropic]) {
      upstream.calls.length = 0;
      upstream.options.reply = undefined;
      upstream.options.failFirst = undefined;
      upstream.options.delayMs = undefined;
      upstream.options.breakMidStream = undefined;
      upstream.options.chunkDelayMs = undefined;
    }
    sleeps = [];
    router = new ModelRouter({ env: loadModelEnv({}), clock: steppingClock(), random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) });
  });

  const providers = (overrides: { openai?: object; anthropic?: object } = {}) => ({
    openai: { baseUrl: openai.url, apiKey: 'sk-test', ...overrides.openai },
    anthropic: { baseUrl: anthropic.url, apiKey: 'ant-test', ...overrides.anthropic },
  });

  it('answers every tier with the local models by default, priced', async () => {
    const answer = await router.complete({ model: 'balanced', request: hello });
    expect(answer.text).toBe('You said: Hello there');
    expect(answer).toMatchObject({ provider: 'local', model: 'local-balanced', finishReason: 'stop' });
    expect(answer.costUsd).toBeGreaterThan(0);
    expect(answer.costUsd).toBe(costUsd('local-balanced', answer.usage));
    expect(answer.attempts).toEqual([
      { provider: 'local', model: 'local-balanced', startedAt: '2026-01-01T00:00:00.007Z', latencyMs: 7, outcome: 'ok', usage: answer.usage, costUsd: answer.costUsd },
    ]);
    expect(router.resolve('simple').map((c) => c.model)).toEqual(['local-simple']);
    expect(router.resolve('complex').map((c) => c.model)).toEqual(['local-complex']);
  });

  it('asks for the whole answer in one response when the caller does not stream, within its own timeout', async () => {
    const project = settings({
      tiers: { balanced: ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5'] },
      providers: providers({ openai: { timeoutMs: 50, answerTimeoutMs: 400, maxRetries: 0 } }),
    });
    // Slower than the streaming timeout, within the whole-answer one.
    openai.options.delayMs = 150;
    const events: ModelStreamEvent[] = [];
    for await (const event of router.call({ model: 'balanced', request: hello, settings: project, stream: false })) events.push(event);
    expect(events.map((e) => e.type)).toEqual(['text.delta', 'completed']);
    expect(events[0]).toEqual({ type: 'text.delta', delta: 'Hello from gpt-4o-mini. You said: Hello there' });
    expect(openai.calls[0].body.stream).toBeUndefined();

    // A whole answer slower than answerTimeoutMs times out; Anthropic streams.
    openai.options.delayMs = 5_000;
    const call = router.call({ model: 'balanced', request: hello, settings: project, stream: false });
    for await (const _ of call) void _;
    expect(call.attempts.map((a) => [a.provider, a.outcome])).toEqual([['openai', 'timeout'], ['anthropic', 'ok']]);
    expect(anthropic.calls[0].body.stream).toBe(true);
  });

  it('falls back to the next model when the first times out, without retrying it', async () => {
    openai.options.delayMs = 5_000;
    const project = settings({
      tiers: { balanced: ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5'] },
      providers: providers({ openai: { timeoutMs: 150, maxRetries: 2 } }),
    });
    const answer = await router.complete({ model: 'balanced', request: hello, settings: project });

    expect(answer).toMatchObject({ provider: 'anthropic', model: 'claude-haiku-4-5' });
    expect(answer.text).toBe('Hello from claude-haiku-4-5. You said: Hello there');
    expect(answer.attempts.map((a) => [a.provider, a.model, a.outcome])).toEqual([
      ['openai', 'gpt-4o-mini', 'timeout'],
      ['anthropic', 'claude-haiku-4-5', 'ok'],
    ]);
    expect(answer.attempts[0]).toMatchObject({ error: 'no answer within 150 ms', costUsd: 0, latencyMs: 7 });
    expect(answer.attempts[1].usage!.inputTokens).toBeGreaterThan(0);
    expect(answer.costUsd).toBe(costUsd('claude-haiku-4-5', answer.attempts[1].usage!));
    expect(openai.calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries a 429 with exponential backoff and jitter, then succeeds', async () => {
    openai.options.failFirst = { count: 2, status: 429 };
    const project = settings({
      tiers: { simple: ['openai/gpt-4o-mini', 'local/local-simple'] },
      providers: providers({ openai: { maxRetries: 3, backoffMs: 100, maxBackoffMs: 1_000 } }),
    });
    const answer = await router.complete({ model: 'simple', request: hello, settings: project });

    expect(answer).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(answer.attempts.map((a) => [a.outcome, a.status])).toEqual([
      ['error', 429],
      ['error', 429],
      ['ok', undefined],
    ]);
    // random() = 0.5: half the ceiling fixed plus a quarter; the ceiling doubles each retry.
    expect(sleeps).toEqual([75, 150]);
    expect(openai.calls).toHaveLength(3);
  });

  it("waits for the upstream's Retry-After when it fits the policy", async () => {
    anthropic.options.failFirst = { count: 1, status: 503, retryAfterSeconds: 1 };
    const project = settings({ tiers: { simple: ['anthropic/claude-haiku-4-5'] }, providers: providers() });
    const answer = await router.complete({ model: 'simple', request: hello, settings: project });
    expect(answer.provider).toBe('anthropic');
    expect(sleeps).toEqual([1_000]);
  });

  it('moves on after the retries are spent, and does not retry a rejected key', async () => {
    openai.options.failFirst = { count: 99, status: 500 };
    const project = settings({
      tiers: { complex: ['openai/gpt-4o', 'anthropic/claude-opus-4-5', 'local/local-complex'] },
      providers: providers({ openai: { maxRetries: 1 }, anthropic: { apiKey: 'wrong-key', maxRetries: 3 } }),
    });
    const answer = await router.complete({ model: 'complex', request: hello, settings: project });

    expect(answer).toMatchObject({ provider: 'local', model: 'local-complex' });
    expect(answer.attempts.map((a) => [a.provider, a.outcome, a.status])).toEqual([
      ['openai', 'error', 500],
      ['openai', 'error', 500],
      ['anthropic', 'error', 401],
      ['local', 'ok', undefined],
    ]);
    expect(sleeps).toHaveLength(1);
  });

  it('retries a refused connection, then moves on', async () => {
    const project = settings({
      tiers: { simple: ['openai/gpt-4o-mini', 'local/local-simple'] },
      // Nothing listens on port 1: every connection is refused.
      providers: providers({ openai: { baseUrl: 'http://127.0.0.1:1/v1', maxRetries: 1 } }),
    });
    const answer = await router.complete({ model: 'simple', request: hello, settings: project });
    expect(answer.provider).toBe('local');
    expect(answer.attempts.map((a) => [a.provider, a.outcome, a.status])).toEqual([
      ['openai', 'error', undefined],
      ['openai', 'error', undefined],
      ['local', 'ok', undefined],
    ]);
    expect(answer.attempts[0].error).toMatch(/connection/i);
    expect(sleeps).toHaveLength(1);
  });

  it('keeps keys out of what attempts and errors say', async () => {
    openai.options.failFirst = { count: 1, status: 401, message: 'Incorrect API key provided: sk-proj-abc123***xyz9. Check your key.' };
    const project = settings({ tiers: { simple: ['openai/gpt-4o-mini'] }, providers: providers() });
    const error = await router.complete({ model: 'simple', request: hello, settings: project }).catch((e) => e);
    expect(error.attempts[0].error).toBe('401 Incorrect API key provided: [redacted] Check your key.');
    expect(error.message).not.toContain('abc123');
  });

  it('answers 502 upstream_error with every attempt when all models fail', async () => {
    openai.options.failFirst = { count: 99, status: 500 };
    anthropic.options.failFirst = { count: 99, status: 429 };
    const project = settings({
      tiers: { balanced: ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5'] },
      providers: providers({ openai: { maxRetries: 0 }, anthropic: { maxRetries: 1 } }),
    });
    const call = router.call({ model: 'balanced', request: hello, settings: project });
    const error = await collectAnswer(call).catch((e) => e);

    expect(error).toBeInstanceOf(ModelCallFailed);
    expect(error.status).toBe(502);
    expect(error.toBody()).toMatchObject({ reason: 'upstream_error', error: { type: 'upstream_error', code: 'upstream_error' } });
    expect(error.attempts.map((a: { outcome: string; status?: number }) => [a.outcome, a.status])).toEqual([
      ['error', 500],
      ['error', 429],
      ['error', 429],
    ]);
    expect(call.attempts).toEqual(error.attempts);
  });

  it('answers 504 upstream_timeout when the last model timed out', async () => {
    openai.options.failFirst = { count: 99, status: 500 };
    anthropic.options.delayMs = 5_000;
    const project = settings({
      tiers: { balanced: ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5'] },
      providers: providers({ openai: { maxRetries: 0 }, anthropic: { timeoutMs: 100 } }),
    });
    const error = await router.complete({ model: 'balanced', request: hello, settings: project }).catch((e) => e);
    expect(error).toBeInstanceOf(ModelCallFailed);
    expect(error).toMatchObject({ status: 504, reason: 'upstream_timeout' });
    expect(error.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['error', 'timeout']);
  });

  it('does not switch models once the answer has started streaming', async () => {
    openai.options.breakMidStream = 'drop';
    const project = settings({ tiers: { balanced: ['openai/gpt-4o-mini', 'local/local-balanced'] }, providers: providers() });
    const call = router.call({ model: 'balanced', request: hello, settings: project });
    const events: ModelStreamEvent[] = [];
    const error = await (async () => {
      for await (const event of call) events.push(event);
    })().catch((e) => e);

    expect(events.filter((e) => e.type === 'text.delta').length).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'completed')).toBe(false);
    expect(error).toMatchObject({ status: 502, reason: 'upstream_error' });
    expect(error.message).toContain('stopped mid-answer');
    expect(call.attempts.map((a) => [a.provider, a.outcome])).toEqual([['openai', 'error']]);
  });

  it('times out a model that stalls mid-answer, without switching models', async () => {
    openai.options.breakMidStream = 'stall';
    const project = settings({
      tiers: { balanced: ['openai/gpt-4o-mini', 'local/local-balanced'] },
      providers: providers({ openai: { timeoutMs: 150 } }),
    });
    const call = router.call({ model: 'balanced', request: hello, settings: project });
    const events: ModelStreamEvent[] = [];
    const error = await (async () => {
      for await (const event of call) events.push(event);
    })().catch((e) => e);
    expect(events).toEqual([{ type: 'text.delta', delta: 'Hello' }]);
    expect(error).toMatchObject({ status: 504, reason: 'upstream_timeout' });
    expect(call.attempts.map((a) => [a.provider, a.outcome])).toEqual([['openai', 'timeout']]);
  });

  it('lets a slow answer run past the timeout as long as it keeps flowing', async () => {
    openai.options.chunkDelayMs = 50;
    openai.options.reply = { text: 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen' };
    const project = settings({ tiers: { balanced: ['openai/gpt-4o-mini'] }, providers: providers({ openai: { timeoutMs: 500 } }) });
    const answer = await router.complete({ model: 'balanced', request: hello, settings: project });
    expect(answer.text).toBe(openai.options.reply.text);
    expect(answer.attempts.map((a) => a.outcome)).toEqual(['ok']);
  });

  it('streams the answering model and reports it in result', async () => {
    openai.options.reply = { text: 'one two three four', usage: { inputTokens: 10, outputTokens: 4 } };
    const project = settings({ tiers: { simple: ['openai/gpt-4o-mini'] }, providers: providers() });
    const call = router.call({ model: 'simple', request: hello, settings: project });
    const deltas: string[] = [];
    for await (const event of call) if (event.type === 'text.delta') deltas.push(event.delta);
    expect(deltas.join('')).toBe('one two three four');
    expect(call.result).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage: { inputTokens: 10, outputTokens: 4 },
      finishReason: 'stop',
      costUsd: (10 * 0.15 + 4 * 0.6) / 1e6,
    });
  });

  it('accepts allowed model names and refuses others with a 400 naming model', async () => {
    const project = settings({ allowedModels: ['openai/gpt-4o'], providers: providers() });
    expect((await router.complete({ model: 'gpt-4o', request: hello, settings: project })).provider).toBe('openai');
    expect((await router.complete({ model: 'openai/gpt-4o', request: hello, settings: project })).model).toBe('gpt-4o');
    expect((await router.complete({ model: 'local-balanced', request: hello, settings: project })).provider).toBe('local');
    expect(openai.calls.map((c) => c.body.model)).toEqual(['gpt-4o', 'gpt-4o']);

    let refused: unknown;
    try {
      router.call({ model: 'gpt-9', request: hello, settings: project });
    } catch (err) {
      refused = err;
    }
    expect(refused).toMatchObject({ status: 400, reason: 'model_not_allowed', param: 'model' });
  });

  it('reaches a provider named by the project through its kind', async () => {
    const project = settings({
      tiers: { simple: ['vllm/meta-llama/Llama-3.1-8B'] },
      providers: { vllm: { kind: 'openai', baseUrl: openai.url, apiKey: 'sk-test' } },
      prices: { 'vllm/meta-llama/Llama-3.1-8B': { inputPerMillion: 1, outputPerMillion: 1 } },
    });
    const answer = await router.complete({ model: 'simple', request: hello, settings: project });
    expect(answer).toMatchObject({ provider: 'vllm', model: 'meta-llama/Llama-3.1-8B' });
    expect(answer.costUsd).toBe((answer.usage.inputTokens + answer.usage.outputTokens) / 1e6);
    expect(openai.calls[0].body.model).toBe('meta-llama/Llama-3.1-8B');
  });

  it('takes tiers and endpoints from the environment unless the project overrides them', async () => {
    const fromEnv = new ModelRouter({
      env: loadModelEnv({ GENAUG_TIER_BALANCED: 'openai/gpt-4o-mini, local/local-balanced', GENAUG_OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: 'sk-test' }),
    });
    expect((await fromEnv.complete({ model: 'balanced', request: hello })).provider).toBe('openai');
    const overridden = settings({ tiers: { balanced: ['local/local-simple'] } });
    expect((await fromEnv.complete({ model: 'balanced', request: hello, settings: overridden })).model).toBe('local-simple');
  });

  it('stops, without falling back, when the caller aborts', async () => {
    openai.options.delayMs = 5_000;
    const controller = new AbortController();
    const project = settings({ tiers: { balanced: ['openai/gpt-4o-mini', 'local/local-balanced'] }, providers: providers() });
    const call = router.call({ model: 'balanced', request: { ...hello, signal: controller.signal }, settings: project });
    const pending = collectAnswer(call).catch((e) => e);
    while (openai.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error('client went away'));

    expect((await pending).message).toBe('client went away');
    expect(call.attempts).toEqual([expect.objectContaining({ provider: 'openai', outcome: 'error', error: 'cancelled by the caller' })]);
  });
});
