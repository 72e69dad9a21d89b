import OpenAI from 'openai';
import { http, startTestServer, type TestServer } from '../../../test/support/test-server';
import { startFakeAnthropic, startFakeOpenAI, type FakeUpstream } from '../../../test/support/upstreams';

// POST /v1/responses/input_tokens (the openai client's responses.inputTokens.count): what a turn
// with this request would cost in input tokens, counted by the model that would answer it, from
// what it would read (the previous response or the conversation included), with nothing run.

describe('counting a request\'s input tokens', () => {
  let t: TestServer;
  let openai: FakeUpstream;
  let anthropic: FakeUpstream;
  let client: OpenAI;
  let projectId: string;
  let stranger: OpenAI;

  beforeAll(async () => {
    openai = await startFakeOpenAI();
    anthropic = await startFakeAnthropic();
    t = await startTestServer('input_tokens_e2e');
    const admin = { 'x-admin-key': t.adminKey };
    const models = {
      providers: {
        up: { kind: 'openai', baseUrl: openai.url, apiKey: 'k' },
        claude: { kind: 'anthropic', baseUrl: anthropic.url, apiKey: 'k' },
        gone: { kind: 'anthropic', baseUrl: 'http://127.0.0.1:9', apiKey: 'k', timeoutMs: 2000 },
      },
      // balanced: the local model (the default).
      tiers: { simple: ['up/gpt-4o'], complex: ['claude/claude-sonnet-4-5'] },
      allowedModels: ['gone/claude-unreachable', 'local/local-simple'],
    };
    const project = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Counting', settings: { models } } });
    projectId = project.body.id;
    const key = await http(`${t.url}/api/v1/admin/projects/${projectId}/keys`, { headers: admin, body: { scopes: ['responses'] } });
    client = new OpenAI({ apiKey: key.body.key, baseURL: `${t.url}/v1`, maxRetries: 0 });
    const other = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Other' } });
    const otherKey = await http(`${t.url}/api/v1/admin/projects/${other.body.id}/keys`, { headers: admin, body: { scopes: ['responses'] } });
    stranger = new OpenAI({ apiKey: otherKey.body.key, baseURL: `${t.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await t.close();
    await openai.close();
    await anthropic.close();
  });

  const turnEvents = async () =>
    Number((await t.db.pool.query(`select count(*) as n from genaug_events where project_id = $1 and stream_id like 'turn-%'`, [projectId])).rows[0].n);

  it('counts exactly what the turn then reads, its history included, and runs nothing', async () => {
    const tools = [{ type: 'function' as const, name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const first = { model: 'balanced', instructions: 'Answer briefly.', input: 'I am flying to Lisbon on Friday.', tools, tool_choice: 'none' as const };
    const before = await turnEvents();
    const counted = await client.responses.inputTokens.count(first);
    expect(counted).toEqual({ object: 'response.input_tokens', input_tokens: expect.any(Number) });
    expect(await turnEvents()).toBe(before);

    const turn = await client.responses.create(first);
    expect(counted.input_tokens).toBe(turn.usage!.input_tokens);

    // The next turn reads the first one's input and output before its own.
    const next = { model: 'balanced', previous_response_id: turn.id, input: 'What should I pack?' };
    const nextCount = await client.responses.inputTokens.count(next);
    expect(nextCount.input_tokens).toBeGreaterThan((await client.responses.inputTokens.count({ model: 'balanced', input: 'What should I pack?' })).input_tokens);
    expect(nextCount.input_tokens).toBe((await client.responses.create(next)).usage!.input_tokens);

    // A conversation's items count too.
    const conversation = await client.conversations.create({ items: [{ type: 'message', role: 'user', content: 'My name is Ada and I like trains.' }] });
    const inConversation = { model: 'balanced', conversation: conversation.id, input: 'How do I get there?' };
    const conversationCount = await client.responses.inputTokens.count(inConversation);
    expect(conversationCount.input_tokens).toBe((await client.responses.create(inConversation)).usage!.input_tokens);
    expect(conversationCount.input_tokens).toBeGreaterThan((await client.responses.inputTokens.count({ model: 'balanced', input: 'How do I get there?' })).input_tokens);
  });

  it('counts for an OpenAI model with its tokenizer, without asking the upstream', async () => {
    const calls = openai.calls.length;
    // As OpenAI counts a one-message prompt: 2 tokens of text, 1 of role, 3 of framing, 3 priming the answer.
    expect((await client.responses.inputTokens.count({ model: 'simple', input: 'Hello there' })).input_tokens).toBe(9);
    const withTool = await client.responses.inputTokens.count({
      model: 'simple',
      input: 'Hello there',
      tools: [{ type: 'function', name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }],
    });
    expect(withTool.input_tokens).toBeGreaterThan(9);
    expect(openai.calls.length).toBe(calls);
  });

  it('asks Anthropic to count for a Claude model, sending the request a turn would send', async () => {
    const counted = await client.responses.inputTokens.count({ model: 'complex', instructions: 'Be terse.', input: 'Summarise the meeting notes.' });
    const asked = anthropic.calls.filter((c) => c.path === '/v1/messages/count_tokens');
    expect(asked).toHaveLength(1);
    expect(asked[0].body).toEqual({ model: 'claude-sonnet-4-5', system: 'Be terse.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Summarise the meeting notes.' }] }] });
    expect(counted.input_tokens).toBe(Math.ceil(JSON.stringify([asked[0].body.system, asked[0].body.messages, []]).length / 4));
    expect(anthropic.calls.some((c) => c.path === '/v1/messages')).toBe(false);
  });

  it('refuses as a turn would: 400 naming the field, 404 for what is not the project\'s, 502 when no model can count', async () => {
    const refused = async (body: any, as = client) => {
      try {
        await as.responses.inputTokens.count(body);
      } catch (err) {
        return err as InstanceType<typeof OpenAI.APIError>;
      }
      throw new Error('counted');
    };
    expect(await refused({ model: 'enormous', input: 'x' })).toMatchObject({ status: 400, param: 'model' });
    expect(await refused({ model: 'balanced', input: 42 })).toMatchObject({ status: 400, param: 'input' });
    expect(await refused({ model: 'balanced', input: 'x', tool_choice: 'required' })).toMatchObject({ status: 400, param: 'tool_choice' });
    const mine = await client.responses.create({ model: 'balanced', input: 'Mine' });
    expect(await refused({ model: 'balanced', previous_response_id: mine.id, input: 'x' }, stranger)).toMatchObject({ status: 404 });
    expect(await refused({ model: 'gone/claude-unreachable', input: 'x' })).toMatchObject({ status: 502, code: 'upstream_error' });
    // With no model named, the middle tier counts.
    expect((await client.responses.inputTokens.count({ input: 'Hello there' })).input_tokens).toBe(
      (await client.responses.inputTokens.count({ model: 'balanced', input: 'Hello there' })).input_tokens,
    );
  });
});
