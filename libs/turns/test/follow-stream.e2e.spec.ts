import OpenAI from 'openai';
import type { RunningServer } from '../../../apps/api/src/server';
import { http, startServerOver, startTestServer, type TestServer } from '../../../test/support/test-server';
import { startFakeOpenAI, type FakeUpstream } from '../../../test/support/upstreams';
import { readSse } from './sse';

// GET /v1/responses/{id}?stream=true&starting_after=N (the openai client's
// responses.retrieve(id, { stream: true, starting_after })): a client that lost a background
// response's stream picks it up after its last event, from any process, live while the turn
// runs and from the stored response once it has ended, every event numbered as it was first told.

describe('following a background response stream', () => {
  let t: TestServer;
  let upstream: FakeUpstream;
  /** Another process over the same database, where the stream is resumed. */
  let other: RunningServer;
  let auth: Record<string, string>;
  let client: OpenAI;
  let otherProject: Record<string, string>;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    t = await startTestServer('follow_stream_e2e');
    other = await startServerOver(t.db.url, t.adminKey, ['api']);
    const admin = { 'x-admin-key': t.adminKey };
    const models = { providers: { up: { kind: 'openai', baseUrl: upstream.url, apiKey: 'k', maxRetries: 0 } }, tiers: { balanced: ['up/gpt-up'] } };
    const project = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Follow', settings: { models } } });
    const key = await http(`${t.url}/api/v1/admin/projects/${project.body.id}/keys`, { headers: admin, body: { scopes: ['responses'] } });
    auth = { authorization: `Bearer ${key.body.key}` };
    client = new OpenAI({ apiKey: key.body.key, baseURL: `${other.url}/v1`, maxRetries: 0 });
    const stranger = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Stranger' } });
    const strangerKey = await http(`${t.url}/api/v1/admin/projects/${stranger.body.id}/keys`, { headers: admin, body: { scopes: ['responses'] } });
    otherProject = { authorization: `Bearer ${strangerKey.body.key}` };
  });
  afterAll(async () => {
    await other.close();
    await t.close();
    await upstream.close();
  });
  afterEach(() => {
    upstream.options.chunkDelayMs = undefined;
    upstream.options.reply = undefined;
  });

  const turnEvents = async (id: string) =>
    (await t.db.pool.query('select type from genaug_events where stream_id = $1 order by stream_version', [`turn-${id}`])).rows.map((r) => r.type);
  /** What a client compares between two streams: each event's number, type and delta. */
  const shape = (events: any[]) => events.map((e) => [e.sequence_number, e.type, e.delta ?? null]);
  const collect = async (stream: AsyncIterable<any>, onEvent?: (e: any) => Promise<void>) => {
    const out: any[] = [];
    for await (const event of stream) {
      out.push(event);
      await onEvent?.(event);
    }
    return out;
  };

  it('resumes a lost stream after its last event, live from another process, then tells it again whole', async () => {
    // A long answer, streamed slowly, with text beyond what one notification carries and a tool call.
    const text = `${'Voilà 🚆 un itinéraire détaillé. '.repeat(120)}Fin.`;
    upstream.options.reply = { text, toolCalls: [{ id: 'call_1', name: 'book', arguments: { train: 'TGV 6201', seats: 2 } }] };
    upstream.options.chunkDelayMs = 10;
    const res = await fetch(`${t.url}/v1/responses`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'balanced', input: 'Plan my trip to Lyon', background: true, stream: true, tools: [{ type: 'function', name: 'book', parameters: { type: 'object' } }] }),
    });
    // The client reads a few deltas, then its connection drops.
    const first = (await readSse(res, (e) => e.event !== 'response.output_text.delta' || e.data.sequence_number < 6)).map((e) => e.data);
    const id = first[0].response.id;
    const last = first.at(-1).sequence_number;

    // It resumes through the official client, against another process than the one running the turn.
    let endedWhenResumed: boolean | null = null;
    const resumed = await collect(await client.responses.retrieve(id, { stream: true, starting_after: last }), async () => {
      endedWhenResumed ??= (await turnEvents(id)).includes('TurnCompleted');
    });
    // Its events came as the turn ran, not after it ended.
    expect(endedWhenResumed).toBe(false);
    expect(resumed.map((e) => e.sequence_number)).toEqual(resumed.map((_, i) => last + 1 + i));
    expect(resumed.at(-1)).toMatchObject({ type: 'response.completed', response: { id, status: 'completed' } });
    const deltas = [...first, ...resumed].filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta);
    expect(deltas.join('')).toBe(text);
    const call = resumed.find((e) => e.type === 'response.function_call_arguments.done');
    expect(JSON.parse(call.arguments)).toEqual({ train: 'TGV 6201', seats: 2 });
    expect(resumed.at(-1).response).toEqual((await http(`${t.url}/v1/responses/${id}`, { headers: auth })).body);

    // Ended, its whole stream told again from the stored response is the one first told, event for event.
    const again = await collect(await client.responses.retrieve(id, { stream: true }));
    expect(shape(again)).toEqual(shape([...first, ...resumed]));
    expect(again.at(-1).response).toEqual(resumed.at(-1).response);
    // And resumed from anywhere in it, the rest of it.
    const tail = await collect(await client.responses.retrieve(id, { stream: true, starting_after: 3 }));
    expect(shape(tail)).toEqual(shape(again.slice(4)));
    expect(upstream.calls).toHaveLength(1);
  });

  it('follows a queued response from its start while the worker runs it', async () => {
    upstream.options.chunkDelayMs = 30;
    const queued = await http(`${t.url}/v1/responses`, { headers: auth, body: { model: 'balanced', input: 'Summarise the week', background: true } });
    expect(queued.body.status).toBe('queued');
    const events = await collect(await client.responses.retrieve(queued.body.id, { stream: true }));
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.slice(0, 2).map((e) => e.type)).toEqual(['response.created', 'response.in_progress']);
    const done = events.at(-1);
    expect(done).toMatchObject({ type: 'response.completed', response: { id: queued.body.id, status: 'completed' } });
    expect(events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('')).toBe(
      'Hello from gpt-up. You said: Summarise the week',
    );
    expect(done.response).toEqual((await http(`${t.url}/v1/responses/${queued.body.id}`, { headers: auth })).body);
  });

  it('tells the stream of a response answered in the foreground, once it has ended', async () => {
    const answered = await client.responses.create({ model: 'balanced', input: 'Say hi' });
    const events = await collect(await client.responses.retrieve(answered.id, { stream: true }));
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.at(-1).response).toEqual((await http(`${t.url}/v1/responses/${answered.id}`, { headers: auth })).body);
  });

  it('refuses what it cannot follow: bad parameters are 400s, another project\'s response a 404', async () => {
    const answered = await client.responses.create({ model: 'balanced', input: 'Say hi' });
    const get = (query: string, headers = auth) => http(`${t.url}/v1/responses/${answered.id}?${query}`, { headers });
    expect((await get('stream=true&starting_after=two')).body.error).toMatchObject({ param: 'starting_after' });
    expect((await get('stream=true&starting_after=-1')).status).toBe(400);
    expect((await get('starting_after=3')).body.error).toMatchObject({ param: 'starting_after', message: expect.stringContaining('stream=true') });
    expect((await get('stream=yes')).body.error).toMatchObject({ param: 'stream' });
    expect((await get('stream=true', otherProject)).status).toBe(404);
    expect((await http(`${t.url}/v1/responses/resp_unknown?stream=true`, { headers: auth })).status).toBe(404);
    // The response as JSON when not streamed, whatever else the client adds.
    expect((await get('stream=false&include[]=message.output_text.logprobs')).body).toMatchObject({ id: answered.id, status: 'completed' });
  });
});
