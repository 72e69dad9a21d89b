import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { collectAnswer, estimateTokens, LocalProvider, type ModelRequest, type ModelStreamEvent } from '@genaug/models';

const local = new LocalProvider();
const run = (request: ModelRequest, model = 'local-balanced') => collectAnswer(local.stream(model, request, new AbortController().signal));
async function events(request: ModelRequest): Promise<ModelStreamEvent[]> {
  const out: ModelStreamEvent[] = [];
  for await (const event of local.stream('local-balanced', request, new AbortController().signal)) out.push(event);
  return out;
}
const user = (text: string) => ({ type: 'message' as const, role: 'user' as const, content: text });

const weather = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};
const refund = {
  name: 'create_refund',
  description: 'Refund an order',
  parameters: { type: 'object', properties: { order_id: { type: 'string' }, amount: { type: 'number' } }, required: ['order_id', 'amount'] },
};

describe('local provider', () => {
  it('answers the same request with the same events, in several deltas', async () => {
    const request = { messages: [{ type: 'message' as const, role: 'system' as const, content: 'Be brief.' }, user('Summarize this support request and suggest the next action.')] };
    const first = await events(request);
    const second = await events(request);
    expect(second).toEqual(first);
    const deltas = first.filter((e) => e.type === 'text.delta');
    expect(deltas.length).toBeGreaterThan(2);
    const text = deltas.map((e) => (e.type === 'text.delta' ? e.delta : '')).join('');
    expect(text).toBe('You said: Summarize this support request and suggest the next action.');
    expect(first.at(-1)).toEqual({ type: 'completed', usage: { inputTokens: 3 + 15, outputTokens: estimateTokens(text) }, finishReason: 'stop' });
  });

  it('keeps only the start of a long message', async () => {
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const answer = await run({ messages: [user(long)] });
    expect(answer.text.startsWith('You said: word0 word1')).toBe(true);
    expect(answer.text.endsWith('word39…')).toBe(true);
  });

  it('stops at maxOutputTokens with finish reason length', async () => {
    const answer = await run({ messages: [user('Please tell me everything you know about the weather in Lisbon in spring.')], maxOutputTokens: 5 });
    expect(answer.finishReason).toBe('length');
    expect(answer.text).toHaveLength(20);
    expect(answer.usage.outputTokens).toBe(5);
  });

  it('calls the tool that best matches the request when tools are offered', async () => {
    const answer = await run({ messages: [user('Refund order id: A-17, amount: 25.5 please')], tools: [weather, refund] });
    expect(answer.text).toBe('');
    expect(answer.finishReason).toBe('tool_calls');
    expect(answer.functionCalls).toHaveLength(1);
    expect(answer.functionCalls[0].name).toBe('create_refund');
    expect(JSON.parse(answer.functionCalls[0].arguments)).toEqual({ order_id: 'A-17', amount: 25.5 });
    expect(answer.functionCalls[0].callId).toMatch(/^call_[0-9a-f]{24}$/);
  });

  it('streams a function call as started, argument deltas and done', async () => {
    const all = await events({ messages: [user('What is the weather in Paris?')], tools: [weather], toolChoice: 'required' });
    expect(all[0]).toMatchObject({ type: 'function_call.started', name: 'get_weather' });
    const args = all.filter((e) => e.type === 'function_call.arguments.delta').map((e) => (e.type === 'function_call.arguments.delta' ? e.delta : ''));
    expect(args.length).toBeGreaterThan(1);
    const done = all.find((e) => e.type === 'function_call.done');
    expect(done).toMatchObject({ name: 'get_weather', arguments: args.join('') });
    expect(JSON.parse(args.join(''))).toEqual({ city: 'What is the weather in Paris' });
  });

  it('calls the tool the request names, and none when tool choice is none', async () => {
    const named = await run({ messages: [user('What is the weather in Paris?')], tools: [weather, refund], toolChoice: { type: 'function', name: 'create_refund' } });
    expect(named.functionCalls.map((c) => c.name)).toEqual(['create_refund']);
    const none = await run({ messages: [user('What is the weather in Paris?')], tools: [weather], toolChoice: 'none' });
    expect(none.functionCalls).toEqual([]);
    expect(none.text).toBe('You said: What is the weather in Paris?');
  });

  it('answers in text once the last item is a function call output', async () => {
    const answer = await run({
      messages: [
        user('What is the weather in Paris?'),
        { type: 'function_call', callId: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', callId: 'call_1', output: 'Sunny, 21°C' },
      ],
      tools: [weather],
      toolChoice: 'auto',
    });
    expect(answer.functionCalls).toEqual([]);
    expect(answer.finishReason).toBe('stop');
    expect(answer.text).toBe('The get_weather tool returned: Sunny, 21°C');
  });

  it('gives different calls different ids', async () => {
    const a = await run({ messages: [user('weather in Paris')], tools: [weather] });
    const b = await run({ messages: [user('weather in Rome')], tools: [weather] });
    expect(a.functionCalls[0].callId).not.toBe(b.functionCalls[0].callId);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client went away'));
    await expect(collectAnswer(local.stream('local-simple', { messages: [user('hello there friend')] }, controller.signal))).rejects.toThrow('client went away');
  });
});

describe('local provider structured output', () => {
  const ajv = addFormats(new Ajv({ strict: false }));
  const structured = async (text: string, schema: Record<string, unknown>) => {
    const answer = await run({ messages: [user(text)], textFormat: { type: 'json_schema', name: 'out', schema, strict: true } });
    const value = JSON.parse(answer.text);
    const validate = ajv.compile(schema);
    expect(validate.errors ?? validate(value)).toBe(true);
    return value;
  };

  it('extracts "window seat" for the travel preference schema', async () => {
    const schema = { type: 'object', required: ['seat'], properties: { seat: { type: 'string' } }, additionalProperties: false };
    expect(await structured('Extract: window seat.', schema)).toEqual({ seat: 'window seat' });
  });

  it('fills labelled values, numbers, booleans, enums and lists', async () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'age', 'subscribed', 'plan', 'tags'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 20 },
        age: { type: 'integer', minimum: 18, maximum: 120 },
        subscribed: { type: 'boolean' },
        plan: { type: 'string', enum: ['free', 'pro', 'enterprise'] },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
      },
    };
    const value = await structured('name: Ada Lovelace; age: 36; subscribed: yes; plan: Pro; tags: math, engines', schema);
    expect(value).toEqual({ name: 'Ada Lovelace', age: 36, subscribed: true, plan: 'pro', tags: ['math', 'engines'] });
  });

  it('satisfies formats, bounds, $ref definitions, nullable unions and nested arrays', async () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      required: ['contact', 'when', 'priority', 'items', 'note'],
      $defs: {
        item: {
          type: 'object',
          additionalProperties: false,
          required: ['sku', 'quantity'],
          properties: { sku: { type: 'string', pattern: '^[A-Z]{3}-\\d{3}$' }, quantity: { type: 'integer', minimum: 1 } },
        },
      },
      properties: {
        contact: { type: 'string', format: 'email' },
        when: { type: 'string', format: 'date' },
        priority: { type: 'number', exclusiveMinimum: 0, maximum: 5 },
        items: { type: 'array', items: { $ref: '#/$defs/item' }, minItems: 2, maxItems: 3 },
        note: { anyOf: [{ type: 'null' }, { type: 'string', maxLength: 10 }] },
      },
    };
    const value = await structured('Order ABC-123 for ops@example.com on 2026-03-04, urgent', schema);
    expect(value.contact).toBe('ops@example.com');
    expect(value.when).toBe('2026-03-04');
    expect(value.items).toHaveLength(2);
    expect(value.items[0].sku).toBe('ABC-123');
  });

  it('answers json_object requests with a JSON object', async () => {
    const answer = await run({ messages: [user('Say hi')], textFormat: { type: 'json_object' } });
    expect(JSON.parse(answer.text)).toEqual({ reply: 'You said: Say hi' });
  });
});
