import { createProjectWithKey, startTestServer, type TestServer } from '../../../test/support/test-server';
import { SPEC_REQUIRED_RESPONSE_FIELDS, specResponse } from '../../responses/test/spec-shapes';
import { readSse } from './sse';

// The request shapes Open Responses clients send (plain text, streaming, system prompt, tool
// calls with and without streaming, image input, multi-turn), sent with `model: "balanced"`
// to the real server; each answer is checked against the specification's ResponseResource.

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Get the current weather for a location',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};
const PIXEL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const scenarios: { id: string; stream: boolean; body: Record<string, unknown>; expect: 'message' | 'function_call' }[] = [
  { id: 'basic-response', stream: false, expect: 'message', body: { input: [{ type: 'message', role: 'user', content: 'Say hello in exactly 3 words.' }] } },
  { id: 'streaming-response', stream: true, expect: 'message', body: { input: [{ type: 'message', role: 'user', content: 'Count from 1 to 5.' }] } },
  {
    id: 'system-prompt',
    stream: false,
    expect: 'message',
    body: { input: [{ type: 'message', role: 'system', content: 'You are a pirate.' }, { type: 'message', role: 'user', content: 'Say hello.' }] },
  },
  { id: 'tool-calling', stream: false, expect: 'function_call', body: { input: [{ type: 'message', role: 'user', content: "What's the weather like in San Francisco?" }], tools: [weatherTool] } },
  { id: 'tool-calling-streaming', stream: true, expect: 'function_call', body: { input: [{ type: 'message', role: 'user', content: "What's the weather like in San Francisco?" }], tools: [weatherTool] } },
  {
    id: 'image-input',
    stream: false,
    expect: 'message',
    body: { input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What do you see?' }, { type: 'input_image', image_url: PIXEL }] }] },
  },
  {
    id: 'multi-turn',
    stream: false,
    expect: 'message',
    body: {
      input: [
        { type: 'message', role: 'user', content: 'My name is Alice.' },
        { type: 'message', role: 'assistant', content: 'Hello Alice!' },
        { type: 'message', role: 'user', content: 'What is my name?' },
      ],
    },
  },
];

describe('Open Responses request scenarios against the real server', () => {
  let t: TestServer;
  let key: string;
  beforeAll(async () => {
    t = await startTestServer('open_responses_scenarios');
    key = (await createProjectWithKey(t, 'Scenarios')).apiKey;
  });
  afterAll(() => t.close());

  it.each(scenarios)('$id', async ({ stream, body, expect: kind }) => {
    const res = await fetch(`${t.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, model: 'balanced', stream }),
    });
    expect(res.status).toBe(200);
    let response: any;
    if (stream) {
      const events = await readSse(res);
      expect(events.length).toBeGreaterThan(2);
      events.forEach((e, i) => expect(e.data.sequence_number).toBe(i));
      response = events[events.length - 1].data.response;
      if (kind === 'function_call') {
        const names = events.map((e) => e.event);
        expect(events.some((e) => e.event === 'response.output_item.added' && e.data.item.type === 'function_call')).toBe(true);
        expect(names).toContain('response.function_call_arguments.delta');
        expect(names).toContain('response.function_call_arguments.done');
        expect(events.some((e) => e.event === 'response.output_item.done' && e.data.item.type === 'function_call')).toBe(true);
      }
    } else {
      response = await res.json();
    }
    for (const field of SPEC_REQUIRED_RESPONSE_FIELDS) expect(response).toHaveProperty(field);
    const parsed = specResponse.safeParse(response);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(response.status).toBe('completed');
    expect(response.output.some((item: any) => item.type === kind)).toBe(true);
  });
});
