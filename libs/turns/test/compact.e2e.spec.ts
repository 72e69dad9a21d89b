import OpenAI from 'openai';
import { createProjectWithKey, http, startTestServer, type TestServer } from '../../../test/support/test-server';
import { startFakeOpenAI, type FakeUpstream } from '../../../test/support/upstreams';
import { Sealer } from '@genaug/event-store';
import { COMPACTION_PROMPT } from '../src/compact-turn/compaction-request';

// POST /v1/responses/compact: the official openai client's responses.compact against the real
// server, its compaction item sent back as input, and what is recorded of it.

describe('POST /v1/responses/compact', () => {
  let t: TestServer;
  let upstream: FakeUpstream;
  let client: OpenAI;
  let auth: Record<string, string>;
  let projectId: string;
  beforeAll(async () => {
    t = await startTestServer('compact_e2e');
    upstream = await startFakeOpenAI();
    const p = await createProjectWithKey(t, 'Compaction');
    projectId = p.projectId;
    auth = { authorization: `Bearer ${p.apiKey}` };
    const models = { providers: { fake: { kind: 'openai', baseUrl: upstream.url, apiKey: 'k', maxRetries: 0 } }, tiers: { balanced: ['fake/gpt-fake'] } };
    const res = await http(`${t.url}/api/v1/admin/projects/${p.projectId}`, { method: 'PATCH', headers: { 'x-admin-key': t.adminKey }, body: { settings: { models } } });
    expect(res.status).toBe(200);
    client = new OpenAI({ apiKey: p.apiKey, baseURL: `${t.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await upstream.close();
    await t.close();
  });

  const events = async (responseId: string) =>
    (await t.db.pool.query('select type, data from genaug_events where stream_id = $1 order by stream_version', [`turn-${responseId}`])).rows;
  const lastCall = () => upstream.calls[upstream.calls.length - 1].body;

  it('compacts a conversation into its user messages and a sealed summary that the next turn reads', async () => {
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const first = await client.responses.create({ model: 'balanced', user: 'ada', input: 'My name is Ada and I drink tea.', tools });
    const second = await client.responses.create({ model: 'balanced', user: 'ada', previous_response_id: first.id, input: 'What is the weather in Oslo?', tools });

    upstream.options.reply = { text: 'Ada drinks tea; she asked about the weather in Oslo.' };
    const compacted = await client.responses.compact({ model: 'balanced', previous_response_id: second.id, input: 'Please also remember I live in Bergen.', user: 'ada' } as any);
    upstream.options.reply = undefined;

    // The model was asked for a summary of the whole conversation, without tools.
    const asked = lastCall();
    expect(asked.messages.at(-1)).toMatchObject({ role: 'user', content: COMPACTION_PROMPT });
    const conversation = JSON.stringify(asked.messages);
    for (const said of ['My name is Ada', 'weather in Oslo', 'live in Bergen']) expect(conversation).toContain(said);
    expect(asked.tools).toBeUndefined();

    expect(compacted).toMatchObject({ object: 'response.compaction', id: expect.stringMatching(/^resp_/), created_at: expect.any(Number) });
    expect(compacted.usage.total_tokens).toBe(compacted.usage.input_tokens + compacted.usage.output_tokens);
    const users = compacted.output.filter((item: any) => item.type === 'message');
    expect(users.map((m: any) => [m.role, m.content[0].text])).toEqual([
      ['user', 'My name is Ada and I drink tea.'],
      ['user', 'What is the weather in Oslo?'],
      ['user', 'Please also remember I live in Bergen.'],
    ]);
    const item = compacted.output.at(-1) as any;
    expect(item).toMatchObject({ type: 'compaction', id: expect.stringMatching(/^cmp_/) });
    expect(item.encrypted_content).not.toContain('tea');

    // Sent back as input, the compaction stands for the conversation: the model reads its summary.
    const next = await client.responses.create({ model: 'balanced', user: 'ada', input: [...(compacted.output as any[]), { role: 'user', content: 'What do I drink?' }] });
    expect(next.status).toBe('completed');
    const read = lastCall().messages;
    expect(JSON.stringify(read.find((m: any) => m.role === 'developer' || m.role === 'system'))).toContain('Ada drinks tea; she asked about the weather in Oslo.');
    expect(read.at(-1).role).toBe('user');
    expect(JSON.stringify(read.at(-1).content)).toContain('What do I drink?');

    // Recorded as a turn of its own: metered and priced, never a stored response.
    const recorded = await events(compacted.id);
    expect(recorded.map((e: any) => e.type)).toEqual(['TurnRequested', 'TurnStarted', 'ModelCalled', 'TurnCompleted', 'UsageRecorded']);
    expect(recorded[0].data).toMatchObject({ purpose: 'compaction', store: false, user: 'ada', previous_response_id: second.id });
    expect(recorded[2].data).toMatchObject({ purpose: 'compaction', model: 'gpt-fake', outcome: 'ok' });
    expect(recorded[4].data.usage.input_tokens).toBeGreaterThan(0);
    expect((await http(`${t.url}/v1/responses/${compacted.id}`, { headers: auth })).status).toBe(404);
  });

  it('answers a retry with the same X-Idempotency-Key from the first compaction, with one model call', async () => {
    const body = { model: 'balanced', input: 'Compact me once.' };
    const headers = { ...auth, 'x-idempotency-key': 'compact-once' };
    const before = upstream.calls.length;
    const [a, b] = await Promise.all([1, 2].map(() => http(`${t.url}/v1/responses/compact`, { headers, body })));
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.body.id).toBe(a.body.id);
    expect(b.body.output.map((i: any) => i.id)).toEqual(a.body.output.map((i: any) => i.id));
    expect(upstream.calls.length - before).toBe(1);
    // The same key for a turn is another request.
    const reused = await http(`${t.url}/v1/responses`, { headers, body });
    expect(reused.status).toBe(422);
  });

  it('refuses what cannot be compacted or read back, naming the field', async () => {
    const compact = (body: unknown, headers = auth) => http(`${t.url}/v1/responses/compact`, { headers, body });
    expect(await compact({ input: 'x' })).toMatchObject({ status: 400, body: { error: { param: 'model' } } });
    expect(await compact({ model: 'balanced' })).toMatchObject({ status: 400, body: { error: { param: 'input' } } });
    expect(await compact({ model: 'balanced', input: [] })).toMatchObject({ status: 400, body: { error: { param: 'input' } } });
    expect(await compact({ model: 'balanced', previous_response_id: 'resp_0123456789abcdef0123456789abcdef' })).toMatchObject({ status: 404, body: { error: { param: 'previous_response_id' } } });

    const made = await compact({ model: 'balanced', input: 'Secret plans.' });
    const item = made.body.output.at(-1);
    const bogus = [{ type: 'compaction', encrypted_content: 'gAAAA-not-ours' }, { role: 'user', content: 'x' }];
    const garbage = await http(`${t.url}/v1/responses`, { headers: auth, body: { model: 'balanced', input: bogus } });
    expect(garbage).toMatchObject({ status: 400, body: { error: { param: 'input[0].encrypted_content' } } });

    // Another project's compaction is refused as if it were garbage.
    const other = await createProjectWithKey(t, 'Other compaction');
    const theirs = await http(`${t.url}/v1/responses`, { headers: { authorization: `Bearer ${other.apiKey}` }, body: { model: 'balanced', input: [item, { role: 'user', content: 'x' }] } });
    expect(theirs).toMatchObject({ status: 400, body: { error: { param: 'input[0].encrypted_content', message: garbage.body.error.message } } });
    const mine = await http(`${t.url}/v1/responses`, { headers: auth, body: { model: 'balanced', input: [item, { role: 'user', content: 'x' }] } });
    expect(mine.status).toBe(200);
  });

  it("says nothing of a compaction whose user has been erased", async () => {
    upstream.options.reply = { text: 'Grace keeps bees.' };
    const made = await http(`${t.url}/v1/responses/compact`, { headers: auth, body: { model: 'balanced', user: 'grace', input: 'I keep bees.' } });
    upstream.options.reply = undefined;
    expect(made.status).toBe(200);
    const erased = await http(`${t.url}/api/v1/admin/projects/${projectId}/users/grace`, { method: 'DELETE', headers: { 'x-admin-key': t.adminKey } });
    expect(erased.status).toBe(200);
    const next = await http(`${t.url}/v1/responses`, { headers: auth, body: { model: 'balanced', input: [made.body.output.at(-1), { role: 'user', content: 'What do I keep?' }] } });
    expect(next.status).toBe(200);
    expect(JSON.stringify(lastCall().messages)).not.toContain('bees');
  });

  it('summarises with the local model too, line by line', async () => {
    const local = await createProjectWithKey(t, 'Local compaction');
    const localAuth = { authorization: `Bearer ${local.apiKey}` };
    const first = await http(`${t.url}/v1/responses`, { headers: localAuth, body: { model: 'balanced', input: 'I am planning a trip to Lisbon in May.' } });
    const made = await http(`${t.url}/v1/responses/compact`, { headers: localAuth, body: { model: 'balanced', previous_response_id: first.body.id } });
    expect(made.status).toBe(200);
    const events = (await t.db.pool.query("select data from genaug_events where stream_id = $1 and type = 'ModelCalled'", [`turn-${made.body.id}`])).rows;
    expect(events[0].data).toMatchObject({ purpose: 'compaction', provider: 'local' });
    // The local model summarises the conversation line by line.
    const sealed = await t.server.app.get(Sealer).unsealJson<any>(made.body.output.at(-1).encrypted_content);
    expect(sealed.project_id).toBe(local.projectId);
    expect(sealed.summary).toBe(['Summary of the conversation so far:', 'user: I am planning a trip to Lisbon in May.', 'assistant: You said: I am planning a trip to Lisbon in May.'].join('\n'));
  });
});
