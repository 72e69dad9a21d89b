import OpenAI from 'openai';
import { createProjectWithKey, startTestServer, type TestServer } from '../../../test/support/test-server';

// The official openai client, pointed at our /v1 with a project key: responses.create,
// streaming, and a function-call round trip through previous_response_id.

describe('the official openai client against /v1', () => {
  let t: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    t = await startTestServer('openai_client');
    const { apiKey } = await createProjectWithKey(t, 'OpenAI client');
    client = new OpenAI({ apiKey, baseURL: `${t.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => t.close());

  it('creates a response and reads its text', async () => {
    const response = await client.responses.create({ model: 'balanced', input: 'Say hello in exactly 3 words.', user: 'app-user-1', metadata: { feature: 'greeting' } });
    expect(response.status).toBe('completed');
    expect(response.output_text).toContain('Say hello in exactly 3 words.');
    expect(response.metadata).toMatchObject({ feature: 'greeting', general_augment_model: 'local-balanced' });
    const again = await client.responses.retrieve(response.id);
    expect(again.output_text).toBe(response.output_text);
  });

  it('streams events the client understands', async () => {
    const stream = await client.responses.create({ model: 'balanced', input: 'Count from 1 to 5.', stream: true });
    const types: string[] = [];
    let text = '';
    let final: any;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') final = event.response;
    }
    expect(types[0]).toBe('response.created');
    expect(types[types.length - 1]).toBe('response.completed');
    expect(text.length).toBeGreaterThan(0);
    expect(final.output_text ?? final.output[0].content[0].text).toBe(text);
  });

  it('round-trips a function call', async () => {
    const tools: OpenAI.Responses.Tool[] = [
      {
        type: 'function',
        name: 'get_weather',
        description: 'Weather for a location',
        strict: true,
        parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'], additionalProperties: false },
      },
    ];
    const first = await client.responses.create({ model: 'balanced', input: "What's the weather in Oslo?", tools, tool_choice: 'required' });
    const call = first.output.find((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === 'function_call');
    expect(call?.name).toBe('get_weather');
    expect(typeof JSON.parse(call!.arguments).location).toBe('string');
    const second = await client.responses.create({
      model: 'balanced',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call!.call_id, output: '{"temp_c":7}' }],
      tools,
    });
    expect(second.status).toBe('completed');
    expect(second.output_text).toContain('get_weather');
  });

  it("lists a response's input items, page after page", async () => {
    const first = await client.responses.create({ model: 'balanced', input: 'One.' });
    const second = await client.responses.create({ model: 'balanced', previous_response_id: first.id, input: 'Two.' });
    const ids: string[] = [];
    // Pages of one item: the client follows `after` by itself.
    for await (const item of client.responses.inputItems.list(second.id, { limit: 1, order: 'asc' })) ids.push(item.id!);
    const whole = await client.responses.inputItems.list(second.id, { order: 'asc' });
    expect(whole.data.map((i) => i.type)).toEqual(['message', 'message', 'message']);
    expect(ids).toEqual(whole.data.map((i) => i.id));
  });

  it('surfaces our errors as the client typed errors', async () => {
    await expect(client.responses.create({ model: 'no-such-tier', input: 'x' })).rejects.toMatchObject({ status: 400 });
    const stranger = new OpenAI({ apiKey: 'ga_dev_000000000000000000000000_0000000000000000000000000000000000000000', baseURL: `${t.url}/v1`, maxRetries: 0 });
    await expect(stranger.responses.create({ model: 'balanced', input: 'x' })).rejects.toMatchObject({ status: 401 });
  });
});
