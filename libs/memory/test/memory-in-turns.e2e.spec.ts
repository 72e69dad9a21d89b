import { ERASED } from '@genaug/event-store';
import { http, startTestServer, type TestServer } from '../../../test/support/test-server';
import { startFakeOpenAI, type FakeUpstream } from '../../../test/support/upstreams';

// A turn with a `user` is given that user's most relevant memories; the trace names them.
describe('memory in turns', () => {
  let t: TestServer;
  let upstream: FakeUpstream;
  const admin = () => ({ 'x-admin-key': t.adminKey });

  /** A project whose balanced tier is the fake OpenAI upstream, so the test sees what the model was sent. */
  async function project(memory: Record<string, unknown> = {}, governance?: Record<string, unknown>) {
    const models = {
      providers: { up: { kind: 'openai', baseUrl: upstream.url, apiKey: 'k', maxRetries: 0 } },
      tiers: { balanced: ['up/gpt-test'] },
    };
    const p = await http(`${t.url}/api/v1/admin/projects`, { headers: admin(), body: { name: `Turns ${Math.random()}`, settings: { models, memory, ...(governance ? { governance } : {}) } } });
    expect(p.status).toBe(201);
    const k = await http(`${t.url}/api/v1/admin/projects/${p.body.id}/keys`, { headers: admin(), body: { scopes: ['responses'] } });
    return { projectId: p.body.id as string, auth: { authorization: `Bearer ${k.body.key}` } };
  }

  const remember = async (auth: Record<string, string>, user_id: string, fact: string, importance_score = 0.8) => {
    const res = await http(`${t.url}/v1/memory`, { headers: auth, body: { user_id, fact, fact_type: 'preference', importance_score } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  /** Every text the model was sent in the last upstream call. */
  const sentToModel = () => JSON.stringify(upstream.calls[upstream.calls.length - 1].body.messages);

  const turnRequested = async (responseId: string) =>
    (await t.db.pool.query(`select data from genaug_events where stream_id = $1 and type = 'TurnRequested'`, [`turn-${responseId}`])).rows[0].data;

  async function trace(projectId: string, responseId: string) {
    // The trace is a projection: read until it has caught up with the turn.
    for (let i = 0; i < 100; i++) {
      const res = await http(`${t.url}/api/v1/admin/projects/${projectId}/traces/${responseId}`, { headers: admin() });
      if (res.status === 200 && res.body.status !== 'in_progress') return res.body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no finished trace for ${responseId}`);
  }

  beforeAll(async () => {
    t = await startTestServer('memory_turns');
    upstream = await startFakeOpenAI();
  });
  afterAll(async () => {
    await upstream.close();
    await t.close();
  });

  it("gives the model the user's relevant memories and lists their ids in the turn and its trace", async () => {
    const { projectId, auth } = await project();
    const window = await remember(auth, 'traveller', 'Prefers a window seat when flying', 0.9);
    await remember(auth, 'traveller', 'Works night shifts as a nurse', 0.6);
    await remember(auth, 'someone-else', 'Prefers an aisle seat when flying', 0.9);

    const res = await http(`${t.url}/v1/responses`, {
      headers: auth,
      body: { model: 'balanced', user: 'traveller', input: 'Book me a seat on the flight to Lisbon' },
    });
    expect(res.status).toBe(200);
    expect(sentToModel()).toContain('Prefers a window seat when flying');
    expect(sentToModel()).not.toContain('nurse');
    expect(sentToModel()).not.toContain('aisle');

    expect((await turnRequested(res.body.id)).memory_ids).toEqual([window]);
    const spans = (await trace(projectId, res.body.id)).spans;
    const request = spans.find((s: any) => s.kind === 'request');
    expect(request.attributes.memory_ids).toEqual([window]);

    // A turn without a user recalls nothing.
    const anonymous = await http(`${t.url}/v1/responses`, { headers: auth, body: { model: 'balanced', input: 'Book me a seat on the flight' } });
    expect((await turnRequested(anonymous.body.id)).memory_ids).toEqual([]);
    expect(sentToModel()).not.toContain('window');
  });

  it('gives turns their memories where the project caps spending too (they are looked up before the gate reserves)', async () => {
    const { auth } = await project({}, { budgets: { project: { daily_usd: 5 } } });
    const id = await remember(auth, 'saver', 'Pays with the company card', 0.9);
    const res = await http(`${t.url}/v1/responses`, { headers: auth, body: { model: 'balanced', user: 'saver', input: 'Which card do I pay with?' } });
    expect(res.status).toBe(200);
    expect(sentToModel()).toContain('Pays with the company card');
    expect((await turnRequested(res.body.id)).memory_ids).toEqual([id]);
  });

  it('leaves memory out of turns when the project turns it off', async () => {
    const { auth } = await project({ use_in_turns: false });
    await remember(auth, 'traveller', 'Prefers a window seat when flying', 0.9);
    const res = await http(`${t.url}/v1/responses`, { headers: auth, body: { model: 'balanced', user: 'traveller', input: 'Book me a seat on the flight' } });
    expect(res.status).toBe(200);
    expect((await turnRequested(res.body.id)).memory_ids).toEqual([]);
    expect(sentToModel()).not.toContain('window seat');
  });

  it('gives each of many concurrent turns its own user’s memories, and none to users without any', async () => {
    const { auth } = await project();
    const ids: Record<string, string> = {};
    for (let i = 0; i < 5; i++) ids[`rider-${i}`] = await remember(auth, `rider-${i}`, `Rides bicycle number ${i} to work`);
    const users = Array.from({ length: 10 }, (_, i) => `rider-${i}`);
    // Sent together, so their users' memory lookups go in one query.
    const turns = await Promise.all(
      users.map((user) => http(`${t.url}/v1/responses`, { headers: auth, body: { model: 'balanced', user, input: 'Which bicycle do I ride to work?' } })),
    );
    for (const [i, res] of turns.entries()) {
      expect(res.status).toBe(200);
      expect((await turnRequested(res.body.id)).memory_ids).toEqual(i < 5 ? [ids[users[i]]] : []);
    }
  });

  it('caps the memories a turn gets by count', async () => {
    const { auth } = await project({ max_memories_in_turn: 2 });
    for (const place of ['Lisbon', 'Porto', 'Faro', 'Braga']) await remember(auth, 'planner', `Wants to visit ${place} by train`);
    const res = await http(`${t.url}/v1/responses`, { headers: auth, body: { model: 'balanced', user: 'planner', input: 'Plan a train trip I want' } });
    expect((await turnRequested(res.body.id)).memory_ids).toHaveLength(2);
  });

  it("erasing the user empties memory and turns the turn's text into the erased marker, keeping its numbers", async () => {
    const { projectId, auth } = await project();
    await remember(auth, 'leaver', 'Prefers a window seat when flying', 0.9);
    const turn = await http(`${t.url}/v1/responses`, { headers: auth, body: { model: 'balanced', user: 'leaver', input: 'Book me a window seat please' } });
    expect(turn.status).toBe(200);
    const before = await trace(projectId, turn.body.id);
    expect(before.input.text).toContain('Book me a window seat please');

    const erased = await http(`${t.url}/api/v1/admin/projects/${projectId}/users/leaver`, { method: 'DELETE', headers: admin() });
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ object: 'user.erasure', user_id: 'leaver', erased: true, requested_by: 'admin', keys_destroyed: 2 });

    const after = await trace(projectId, turn.body.id);
    expect(after.input.text).toBe(ERASED);
    expect(after.usage).toEqual(before.usage);
    expect(after.cost_usd).toBe(before.cost_usd);
    const got = await http(`${t.url}/v1/responses/${turn.body.id}`, { headers: auth });
    expect(JSON.stringify(got.body)).not.toContain('window seat');
    const memory = await http(`${t.url}/v1/memory?user_id=leaver`, { headers: auth });
    expect(memory.body.data).toEqual([]);
  });
});
