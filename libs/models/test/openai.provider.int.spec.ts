import { collectAnswer, OpenAIProvider, UpstreamError, type ModelRequest, type ModelStreamEvent } from '@genaug/models';
import { startFakeOpenAI, type FakeUpstream } from '../../../test/support/upstreams';

const signal = () => new AbortController().signal;
const user = (text: string) => ({ type: 'message' as const, role: 'user' as const, content: text });
const weather = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

describe('openai provider against a Chat Completions server', () => {
  let upstream: FakeUpstream;
  let provider: OpenAIProvider;

  beforeAll(async () => {
    upstream = await startFakeOpenAI({ apiKey: 'sk-test' });
    provider = new OpenAIProvider({ baseUrl: upstream.url, apiKey: 'sk-test' });
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    upstream.calls.length = 0;
    upstream.options.reply = undefined;
    upstream.options.failFirst = undefined;
  });

  it('streams text in deltas and reports usage from the last chunk', async () => {
    upstream.options.reply = { text: 'Hello there, how can I help?', usage: { inputTokens: 42, outputTokens: 7, cachedTokens: 10 } };
    const events: ModelStreamEvent[] = [];
    const request: ModelRequest = {
      messages: [{ type: 'message', role: 'developer', content: 'Be brief.' }, user('Hi')],
      maxOutputTokens: 100,
      temperature: 0.2,
    };
    for await (const event of provider.stream('gpt-4o-mini', request, signal())) events.push(event);

    const deltas = events.filter((e) => e.type === 'text.delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(events.at(-1)).toEqual({ type: 'completed', usage: { inputTokens: 42, outputTokens: 7, cachedTokens: 10 }, finishReason: 'stop' });
    expect(deltas.map((e) => (e.type === 'text.delta' ? e.delta : '')).join('')).toBe('Hello there, how can I help?');

    const [call] = upstream.calls;
    expect(call.path).toBe('/v1/chat/completions');
    expect(call.headers.authorization).toBe('Bearer sk-test');
    expect(call.body).toMatchObject({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 100,
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    });
  });

  it('streams tool calls and sends tools in the function format', async () => {
    upstream.options.reply = {
      toolCalls: [
        { id: 'call_a', name: 'get_weather', arguments: { city: 'Paris' } },
        { id: 'call_b', name: 'get_weather', arguments: { city: 'Rome' } },
      ],
    };
    const events: ModelStreamEvent[] = [];
    const request: ModelRequest = { messages: [user('Weather in Paris and Rome?')], tools: [weather], toolChoice: 'required', parallelToolCalls: true };
    for await (const event of provider.stream('gpt-4o-mini', request, signal())) events.push(event);

    expect(events.filter((e) => e.type === 'function_call.started')).toEqual([
      { type: 'function_call.started', callId: 'call_a', name: 'get_weather' },
      { type: 'function_call.started', callId: 'call_b', name: 'get_weather' },
    ]);
    expect(events.filter((e) => e.type === 'function_call.arguments.delta').length).toBeGreaterThan(2);
    expect(events.filter((e) => e.type === 'function_call.done')).toEqual([
      { type: 'function_call.done', callId: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call.done', callId: 'call_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'completed', finishReason: 'tool_calls' });
    expect(upstream.calls[0].body).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: weather.parameters, strict: true } }],
      tool_choice: 'required',
      parallel_tool_calls: true,
    });
  });

  it('reports tool_calls when a compatible server ends its tool calls with "stop"', async () => {
    upstream.options.reply = { toolCalls: [{ id: 'call_x', name: 'get_weather', arguments: { city: 'Oslo' } }], finishReason: 'stop' };
    const answer = await collectAnswer(provider.stream('llama', { messages: [user('Weather in Oslo?')], tools: [weather] }, signal()));
    expect(answer.functionCalls).toHaveLength(1);
    expect(answer.finishReason).toBe('tool_calls');
  });

  it('answers whole in one JSON response when asked for the whole answer', async () => {
    upstream.options.reply = { text: 'Checking.', toolCalls: [{ id: 'call_w', name: 'get_weather', arguments: { city: 'Oslo' } }], finishReason: 'stop', usage: { inputTokens: 9, outputTokens: 4, cachedTokens: 2 } };
    const answer = await provider.answer('gpt-4o-mini', { messages: [user('Weather in Oslo?')], tools: [weather], maxOutputTokens: 50 }, signal());
    expect(answer).toEqual({
      text: 'Checking.',
      functionCalls: [{ callId: 'call_w', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
      usage: { inputTokens: 9, outputTokens: 4, cachedTokens: 2 },
      finishReason: 'tool_calls',
    });
    expect(upstream.calls[0].body).toMatchObject({ model: 'gpt-4o-mini', max_completion_tokens: 50, messages: [{ role: 'user', content: 'Weather in Oslo?' }] });
    expect(upstream.calls[0].body.stream).toBeUndefined();

    upstream.options.failFirst = { count: 1, status: 503 };
    await expect(provider.answer('gpt-4o-mini', { messages: [user('Hi')] }, signal())).rejects.toMatchObject({ failure: 'server_error', status: 503 });
  });

  it('sends earlier calls, their outputs, images and the response format', async () => {
    upstream.options.reply = { text: '{"seat":"window"}' };
    const schema = { type: 'object', properties: { seat: { type: 'string' } }, required: ['seat'], additionalProperties: false };
    const answer = await collectAnswer(
      provider.stream(
        'gpt-4o',
        {
          messages: [
            { type: 'message', role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image', url: 'https://example.com/a.png', detail: 'low' }] },
            { type: 'function_call', callId: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { type: 'function_call_output', callId: 'call_1', output: 'Sunny' },
          ],
          tools: [weather],
          toolChoice: { type: 'function', name: 'get_weather' },
          textFormat: { type: 'json_schema', name: 'seat', schema, strict: true },
        },
        signal(),
      ),
    );
    expect(answer.text).toBe('{"seat":"window"}');
    expect(upstream.calls[0].body).toMatchObject({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      response_format: { type: 'json_schema', json_schema: { name: 'seat', schema, strict: true } },
    });
  });

  it('reports a 429 as retryable with the Retry-After it was given', async () => {
    upstream.options.failFirst = { count: 1, status: 429, retryAfterSeconds: 2 };
    const error = await collectAnswer(provider.stream('gpt-4o-mini', { messages: [user('Hi')] }, signal())).catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ failure: 'rate_limited', status: 429, retryAfterMs: 2000, retryable: true });
  });

  it('reports a wrong key as a rejection that is not retried', async () => {
    const wrong = new OpenAIProvider({ baseUrl: upstream.url, apiKey: 'sk-wrong' });
    const error = await collectAnswer(wrong.stream('gpt-4o-mini', { messages: [user('Hi')] }, signal())).catch((e) => e);
    expect(error).toMatchObject({ failure: 'rejected', status: 401, retryable: false });
  });

  it('reports a connection dropped mid-answer as a connection failure', async () => {
    upstream.options.breakMidStream = 'drop';
    try {
      const events: ModelStreamEvent[] = [];
      const error = await (async () => {
        for await (const event of provider.stream('gpt-4o-mini', { messages: [user('Hi')] }, signal())) events.push(event);
      })().catch((e) => e);
      expect(events.some((e) => e.type === 'text.delta')).toBe(true);
      expect(error).toMatchObject({ failure: 'connection' });
    } finally {
      upstream.options.breakMidStream = undefined;
    }
  });
});
