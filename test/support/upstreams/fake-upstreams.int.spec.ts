import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeAnthropic, startFakeOpenAI, type FakeUpstream } from '.';

// The fakes speak the real protocols: the official clients, with no special options, read them.
describe('fake OpenAI upstream', () => {
  let upstream: FakeUpstream;
  let client: OpenAI;
  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    client = new OpenAI({ baseURL: upstream.url, apiKey: 'sk-any', maxRetries: 0 });
  });
  afterAll(() => upstream.close());

  it('answers a non-streaming completion with message, tool calls and usage', async () => {
    upstream.options.reply = { text: 'Sure.', toolCalls: [{ id: 'call_9', name: 'lookup', arguments: { q: 'x' } }], usage: { inputTokens: 5, outputTokens: 3 } };
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.choices[0].message.content).toBe('Sure.');
    expect(completion.choices[0].message.tool_calls).toEqual([{ id: 'call_9', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }]);
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });

  it('streams in one write in zero-latency mode, usage only when asked for', async () => {
    upstream.options.reply = undefined;
    upstream.options.zeroLatency = true;
    try {
      const chunks = [];
      const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping' }], stream: true });
      for await (const chunk of stream) chunks.push(chunk);
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      expect(text).toBe('Hello from gpt-4o-mini. You said: ping');
      expect(chunks.some((c) => c.usage)).toBe(false);
    } finally {
      upstream.options.zeroLatency = false;
    }
  });

  it('scripts replies per call and answers unknown routes with 404', async () => {
    upstream.options.reply = (body, call) => ({ text: `${call}:${body.model}` });
    const first = await client.chat.completions.create({ model: 'a', messages: [{ role: 'user', content: 'x' }] });
    const second = await client.chat.completions.create({ model: 'b', messages: [{ role: 'user', content: 'x' }] });
    const [n, model] = first.choices[0].message.content!.split(':');
    expect(model).toBe('a');
    expect(second.choices[0].message.content).toBe(`${Number(n) + 1}:b`);
    await expect(client.embeddings.create({ model: 'e', input: 'x' })).rejects.toMatchObject({ status: 404 });
  });
});

describe('fake Anthropic upstream', () => {
  let upstream: FakeUpstream;
  let client: Anthropic;
  beforeAll(async () => {
    upstream = await startFakeAnthropic();
    client = new Anthropic({ baseURL: upstream.url, apiKey: 'ant-any', maxRetries: 0 });
  });
  afterAll(() => upstream.close());

  it('answers a non-streaming message with text, tool use and usage', async () => {
    upstream.options.reply = { text: 'Checking.', toolCalls: [{ id: 'toolu_1', name: 'lookup', arguments: { q: 'x' } }], usage: { inputTokens: 9, outputTokens: 4 } };
    const message = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
    expect(message.content).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'x' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 9, output_tokens: 4 });
  });

  it('streams events the client assembles into the final message', async () => {
    upstream.options.reply = { text: 'One two three.' };
    const stream = client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Count' }] });
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const message = await stream.finalMessage();
    expect(deltas.length).toBeGreaterThan(1);
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'One two three.' })]);
    expect(message.stop_reason).toBe('end_turn');
  });

  it('fails the next calls with the scripted status and Retry-After', async () => {
    upstream.options.failFirst = { count: 1, status: 429, retryAfterSeconds: 3 };
    const error = await client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.headers.get('retry-after')).toBe('3');
    const after = await client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    expect(after.type).toBe('message');
  });
});
