import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import {
  encodeSseEvent,
  httpErrorOf,
  parseCreateResponseRequest,
  ResponseSequencer,
  responseOutputText,
  SSE_DONE,
  SSE_HEADERS,
  SSE_KEEP_ALIVE,
  type ModelStreamEvent,
} from '@genaug/responses';

// The real OpenAI client library against a local server built only from this library's
// parts: if the official client reads our responses and streams, so will other Open
// Responses clients.

function scriptFor(input: string): ModelStreamEvent[] {
  if (input.includes('weather')) {
    return [
      { type: 'function_call.started', callId: 'call_w', name: 'get_weather' },
      { type: 'function_call.arguments.delta', callId: 'call_w', delta: '{"location":' },
      { type: 'function_call.arguments.delta', callId: 'call_w', delta: '"Oslo"}' },
      { type: 'function_call.done', callId: 'call_w', name: 'get_weather', arguments: '{"location":"Oslo"}' },
      { type: 'completed', usage: { inputTokens: 20, outputTokens: 7 }, finishReason: 'tool_calls' },
    ];
  }
  if (input.includes('fail')) {
    return [
      { type: 'text.delta', delta: 'Start' },
      { type: 'failed', error: { code: 'upstream_timeout', message: 'The model provider timed out', type: 'model_error' } },
    ];
  }
  return [
    { type: 'text.delta', delta: 'Hello' },
    { type: 'text.delta', delta: ', world' },
    { type: 'completed', usage: { inputTokens: 5, outputTokens: 3 }, finishReason: 'stop' },
  ];
}

async function* play(events: ModelStreamEvent[]): AsyncGenerator<ModelStreamEvent> {
  yield* events;
}

let server: Server;
let client: OpenAI;

beforeAll(async () => {
  let n = 0;
  server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    try {
      const request = parseCreateResponseRequest(JSON.parse(raw));
      const sequencer = new ResponseSequencer({ request, responseId: `resp_${++n}` });
      const events = sequencer.run(play(scriptFor(typeof request.input === 'string' ? request.input : JSON.stringify(request.input))));
      if (request.stream) {
        res.writeHead(200, SSE_HEADERS);
        res.write(SSE_KEEP_ALIVE);
        for await (const event of events) res.write(encodeSseEvent(event));
        res.end(SSE_DONE);
      } else {
        for await (const _event of events) {
          // a non-streaming answer is the same sequence, read to its end
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(sequencer.response));
      }
    } catch (err) {
      const http = httpErrorOf(err);
      res.writeHead(http.status, { 'content-type': 'application/json', ...http.headers });
      res.end(JSON.stringify(http.body));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new OpenAI({ apiKey: 'local-test', baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, maxRetries: 0 });
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the official OpenAI client against the contract', () => {
  it('reads a non-streaming response', async () => {
    const response = await client.responses.create({ model: 'balanced', input: 'Say hello', user: 'app-user-1' });
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Hello, world');
    expect(response.usage).toMatchObject({ input_tokens: 5, output_tokens: 3, total_tokens: 8 });
  });

  it('iterates a streamed response event by event', async () => {
    const stream = await client.responses.create({ model: 'balanced', input: 'Say hello', stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe('Hello, world');
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
  });

  it('accumulates a streamed response with the stream helper', async () => {
    const stream = client.responses.stream({ model: 'balanced', input: 'Say hello' });
    const final = await stream.finalResponse();
    // The helper's snapshot is the output as our events built it (it adds no output_text of its own).
    expect(responseOutputText(final)).toBe('Hello, world');
    expect(final.output[0]).toMatchObject({ type: 'message', status: 'completed', role: 'assistant' });
  });

  it('accumulates a streamed function call', async () => {
    const stream = client.responses.stream({
      model: 'balanced',
      input: "What's the weather like in Oslo?",
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } }, strict: false }],
    });
    const final = await stream.finalResponse();
    expect(final.output).toEqual([
      expect.objectContaining({ type: 'function_call', call_id: 'call_w', name: 'get_weather', arguments: '{"location":"Oslo"}', status: 'completed' }),
    ]);
    expect(final.tools[0]).toMatchObject({ type: 'function', name: 'get_weather' });
  });

  it('surfaces a failed stream as an API error with our code', async () => {
    const stream = await client.responses.create({ model: 'balanced', input: 'please fail', stream: true });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const event of stream) seen.push(event.type);
      })(),
    ).rejects.toMatchObject({ code: 'upstream_timeout', message: expect.stringContaining('The model provider timed out') });
    expect(seen).toContain('response.output_text.delta');
  });

  it('surfaces a bad request as a 400 naming the field', async () => {
    await expect(client.responses.create({ model: 'balanced', input: 'x', temperature: 7 })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_request',
      param: 'temperature',
    });
  });
});
