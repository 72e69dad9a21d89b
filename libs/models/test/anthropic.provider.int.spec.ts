import { AnthropicProvider, collectAnswer, UpstreamError, type ModelRequest, type ModelStreamEvent } from '@genaug/models';
import { startFakeAnthropic, type FakeUpstream } from '../../../test/support/upstreams';

const signal = () => new AbortController().signal;
const user = (text: string) => ({ type: 'message' as const, role: 'user' as const, content: text });
const lookup = {
  name: 'lookup_order',
  description: 'Find an order',
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
};

describe('anthropic provider against a Messages server', () => {
  let upstream: FakeUpstream;
  let provider: AnthropicProvider;

  beforeAll(async () => {
    upstream = await startFakeAnthropic({ apiKey: 'ant-test' });
    provider = new AnthropicProvider({ baseUrl: upstream.url, apiKey: 'ant-test' });
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    upstream.calls.length = 0;
    upstream.options.reply = undefined;
    upstream.options.failFirst = undefined;
  });

  it('streams text with the system prompt apart, and counts cached input in usage', async () => {
    upstream.options.reply = { text: 'Bonjour, comment puis-je aider ?', usage: { inputTokens: 120, outputTokens: 9, cachedTokens: 100 } };
    const events: ModelStreamEvent[] = [];
    const request: ModelRequest = {
      messages: [
        { type: 'message', role: 'system', content: 'Answer in French.' },
        { type: 'message', role: 'developer', content: 'Be brief.' },
        user('Hello'),
      ],
      maxOutputTokens: 256,
    };
    for await (const event of provider.stream('claude-haiku-4-5', request, signal())) events.push(event);

    const deltas = events.filter((e) => e.type === 'text.delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((e) => (e.type === 'text.delta' ? e.delta : '')).join('')).toBe('Bonjour, comment puis-je aider ?');
    expect(events.at(-1)).toEqual({ type: 'completed', usage: { inputTokens: 120, outputTokens: 9, cachedTokens: 100 }, finishReason: 'stop' });

    const [call] = upstream.calls;
    expect(call.path).toBe('/v1/messages');
    expect(call.headers['x-api-key']).toBe('ant-test');
    expect(call.headers['anthropic-version']).toBeDefined();
    expect(call.body).toMatchObject({
      model: 'claude-haiku-4-5',
      stream: true,
      max_tokens: 256,
      system: 'Answer in French.\n\nBe brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    });
  });

  it('streams tool use as function calls', async () => {
    upstream.options.reply = { text: 'Let me check.', toolCalls: [{ id: 'toolu_1', name: 'lookup_order', arguments: { order_id: 'A-17' } }] };
    const answer = await collectAnswer(
      provider.stream('claude-opus-4-5', { messages: [user('Where is order A-17?')], tools: [lookup], toolChoice: 'auto', parallelToolCalls: false }, signal()),
    );
    expect(answer.text).toBe('Let me check.');
    expect(answer.functionCalls).toEqual([{ callId: 'toolu_1', name: 'lookup_order', arguments: '{"order_id":"A-17"}' }]);
    expect(answer.finishReason).toBe('tool_calls');
    expect(upstream.calls[0].body).toMatchObject({
      tools: [{ name: 'lookup_order', description: 'Find an order', input_schema: lookup.parameters }],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    });
  });

  it('sends earlier tool use and results as alternating turns, and json_schema as output_config', async () => {
    upstream.options.reply = { text: '{"status":"shipped"}' };
    const schema = { type: 'object', properties: { status: { type: 'string' } }, required: ['status'], additionalProperties: false };
    await collectAnswer(
      provider.stream(
        'claude-opus-4-5',
        {
          messages: [
            user('Where are my orders?'),
            { type: 'message', role: 'assistant', content: 'Checking both.' },
            { type: 'function_call', callId: 'toolu_1', name: 'lookup_order', arguments: '{"order_id":"A"}' },
            { type: 'function_call', callId: 'toolu_2', name: 'lookup_order', arguments: '{"order_id":"B"}' },
            { type: 'function_call_output', callId: 'toolu_1', output: 'shipped' },
            { type: 'function_call_output', callId: 'toolu_2', output: 'packed' },
          ],
          tools: [lookup],
          toolChoice: 'required',
          textFormat: { type: 'json_schema', name: 'status', schema, strict: true },
        },
        signal(),
      ),
    );
    expect(upstream.calls[0].body).toMatchObject({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Where are my orders?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking both.' },
            { type: 'tool_use', id: 'toolu_1', name: 'lookup_order', input: { order_id: 'A' } },
            { type: 'tool_use', id: 'toolu_2', name: 'lookup_order', input: { order_id: 'B' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'shipped' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'packed' },
          ],
        },
      ],
      tool_choice: { type: 'any' },
      output_config: { format: { type: 'json_schema', schema } },
    });
  });

  it('reports overload (529) as retryable and a wrong key as a rejection', async () => {
    upstream.options.failFirst = { count: 1, status: 529 };
    const overloaded = await collectAnswer(provider.stream('claude-haiku-4-5', { messages: [user('Hi')] }, signal())).catch((e) => e);
    expect(overloaded).toBeInstanceOf(UpstreamError);
    expect(overloaded).toMatchObject({ failure: 'server_error', status: 529, retryable: true });

    const wrong = new AnthropicProvider({ baseUrl: upstream.url, apiKey: 'nope' });
    const rejected = await collectAnswer(wrong.stream('claude-haiku-4-5', { messages: [user('Hi')] }, signal())).catch((e) => e);
    expect(rejected).toMatchObject({ failure: 'rejected', status: 401, retryable: false });
  });
});
