import OpenAI from 'openai';
import { createProjectWithKey, http, startTestServer, type TestServer } from '../../../test/support/test-server';
import { waitFor } from '../../../test/support/wait-for';

// The Conversations API through the official openai client: a conversation made ahead of its
// turns, continued with `conversation`, its items listed, added, read and deleted.

describe('/v1/conversations', () => {
  let t: TestServer;
  let client: OpenAI;
  let auth: Record<string, string>;
  let projectId: string;
  beforeAll(async () => {
    t = await startTestServer('conversations_e2e');
    let apiKey: string;
    ({ apiKey, projectId } = await createProjectWithKey(t, 'Conversations'));
    auth = { authorization: `Bearer ${apiKey}` };
    client = new OpenAI({ apiKey, baseURL: `${t.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => t.close());

  const texts = (items: any[]) => items.map((i) => [i.role, i.content[0].text]);

  it('holds the items of the turns that continue it, in order, each with an id', async () => {
    const conversation = await client.conversations.create({
      metadata: { topic: 'travel' },
      items: [{ type: 'message', role: 'user', content: 'I am planning a trip to Lisbon.' }],
    });
    expect(conversation).toMatchObject({ id: expect.stringMatching(/^conv_/), object: 'conversation', metadata: { topic: 'travel' } });
    expect(Math.abs(conversation.created_at - Date.now() / 1000)).toBeLessThan(60);

    const turn = await client.responses.create({ model: 'balanced', conversation: conversation.id, input: 'What city did I name?' });
    expect(turn.output_text).toContain('What city did I name?');
    // The model read the item the conversation was made with before this input.
    const read = await client.responses.inputItems.list(turn.id, { order: 'asc' });
    expect(texts(read.data)).toEqual([
      ['user', 'I am planning a trip to Lisbon.'],
      ['user', 'What city did I name?'],
    ]);

    const items = [];
    for await (const item of client.conversations.items.list(conversation.id, { order: 'asc', limit: 2 })) items.push(item);
    expect(texts(items)).toEqual([
      ['user', 'I am planning a trip to Lisbon.'],
      ['user', 'What city did I name?'],
      ['assistant', turn.output_text],
    ]);
    expect(new Set(items.map((i: any) => i.id)).size).toBe(3);
    // Newest first by default; the same ids on every read.
    const newest = await client.conversations.items.list(conversation.id, { limit: 1 });
    expect(newest.data[0].id).toBe(items[2].id);
    expect(await client.conversations.items.retrieve(items[0].id!, { conversation_id: conversation.id })).toEqual(items[0]);
  });

  it('adds items, deletes one so later turns no longer read it, and updates metadata', async () => {
    const conversation = await client.conversations.create();
    expect(conversation.metadata).toEqual({});
    const added = await client.conversations.items.create(conversation.id, {
      items: [
        { type: 'message', role: 'user', content: 'My seat is 12A.' },
        { type: 'message', role: 'user', content: 'My meal is vegetarian.' },
      ],
    });
    expect(added).toMatchObject({ object: 'list', has_more: false });
    expect(texts(added.data)).toEqual([
      ['user', 'My seat is 12A.'],
      ['user', 'My meal is vegetarian.'],
    ]);

    const afterDelete = await client.conversations.items.delete(added.data[0].id!, { conversation_id: conversation.id });
    expect(afterDelete).toMatchObject({ id: conversation.id, object: 'conversation' });
    const turn = await client.responses.create({ model: 'balanced', conversation: conversation.id, input: 'Anything else?' });
    const read = await client.responses.inputItems.list(turn.id, { order: 'asc' });
    expect(texts(read.data)).toEqual([
      ['user', 'My meal is vegetarian.'],
      ['user', 'Anything else?'],
    ]);
    await expect(client.conversations.items.retrieve(added.data[0].id!, { conversation_id: conversation.id })).rejects.toMatchObject({ status: 404 });
    await expect(client.conversations.items.delete(added.data[0].id!, { conversation_id: conversation.id })).rejects.toMatchObject({ status: 404 });

    const updated = await client.conversations.update(conversation.id, { metadata: { seat: 'changed' } });
    expect(updated).toMatchObject({ id: conversation.id, metadata: { seat: 'changed' }, created_at: conversation.created_at });
    expect(await client.conversations.retrieve(conversation.id)).toEqual(updated);
  });

  it('forgets a deleted conversation: reads and turns naming it are 404s', async () => {
    const conversation = await client.conversations.create({ items: [{ type: 'message', role: 'user', content: 'Remember me' }] });
    expect(await client.conversations.delete(conversation.id)).toEqual({ id: conversation.id, object: 'conversation.deleted', deleted: true });
    await expect(client.conversations.retrieve(conversation.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.conversations.items.list(conversation.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.create({ model: 'balanced', conversation: conversation.id, input: 'Hello?' })).rejects.toMatchObject({ status: 404 });
    await expect(client.conversations.delete(conversation.id)).rejects.toMatchObject({ status: 404 });
  });

  it('seals the items of a conversation made for a user for that user: erasing the user erases them', async () => {
    const made = await http(`${t.url}/v1/conversations`, { headers: auth, body: { user: 'leaving', items: [{ role: 'user', content: 'My passport number is X123' }] } });
    expect(made.status).toBe(200);
    const id = made.body.id;
    await http(`${t.url}/v1/conversations/${id}/items`, { headers: auth, body: { items: [{ role: 'user', content: 'And my address is 1 Rua Augusta' }] } });
    await client.responses.create({ model: 'balanced', conversation: id, user: 'leaving', input: 'Thanks' });
    expect((await client.conversations.items.list(id)).data).toHaveLength(4);
    const sealedFor = (await t.db.pool.query("select distinct data->>'user' as u from genaug_events where stream_id like $1 and type = 'ConversationItemsAdded'", [`conversation-%-${id}`])).rows.map((r) => r.u);
    expect(sealedFor).toEqual(['leaving']);

    const erased = await http(`${t.url}/api/v1/admin/projects/${projectId}/users/leaving`, { method: 'DELETE', headers: { 'x-admin-key': t.adminKey } });
    expect(erased.status).toBe(200);
    // Every process drops the user's key as the erasure is announced.
    await waitFor(async () => (await client.conversations.items.list(id)).data.length === 0, 'the erased items');
    // The conversation itself is still there, and goes on.
    const next = await client.responses.create({ model: 'balanced', conversation: id, input: 'Start over' });
    expect((await client.responses.inputItems.list(next.id)).data).toHaveLength(1);
  });

  it('keeps each project to its own conversations and names what is wrong with a request', async () => {
    const conversation = await client.conversations.create({ metadata: { owner: 'first' } });
    const stranger = await createProjectWithKey(t, 'Stranger');
    const other = { authorization: `Bearer ${stranger.apiKey}` };
    expect((await http(`${t.url}/v1/conversations/${conversation.id}`, { headers: other })).status).toBe(404);
    expect((await http(`${t.url}/v1/conversations/${conversation.id}/items`, { headers: other, body: { items: [{ role: 'user', content: 'x' }] } })).status).toBe(404);
    const turn = await http(`${t.url}/v1/responses`, { headers: other, body: { model: 'balanced', conversation: conversation.id, input: 'x' } });
    expect(turn).toMatchObject({ status: 404, body: { error: { param: 'conversation' } } });

    const bad = async (path: string, body: unknown, param: string) => {
      const res = await http(`${t.url}${path}`, { headers: auth, body });
      expect(res).toMatchObject({ status: 400, body: { error: { param } } });
    };
    await bad('/v1/conversations', { metadata: { k: 'x'.repeat(513) } }, 'metadata.k');
    await bad('/v1/conversations', { items: [{ type: 'item_reference', id: 'msg_1' }] }, 'items[0].type');
    await bad(`/v1/conversations/${conversation.id}/items`, { items: [] }, 'items');
    await bad(`/v1/conversations/${conversation.id}/items`, { items: Array.from({ length: 21 }, () => ({ role: 'user', content: 'x' })) }, 'items');
    await bad(`/v1/conversations/${conversation.id}`, {}, 'metadata');
    expect((await http(`${t.url}/v1/conversations/${conversation.id}/items?limit=101`, { headers: auth })).body.error.param).toBe('limit');
    expect((await http(`${t.url}/v1/conversations/conv_missing`, { headers: auth })).status).toBe(404);
  });
});
