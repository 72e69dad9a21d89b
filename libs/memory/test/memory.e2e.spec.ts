import { createProjectWithKey, http, startTestServer, type TestServer } from '../../../test/support/test-server';

// Store, search, list, profile and delete over HTTP, scoped to the calling project and user.
describe('memory over HTTP', () => {
  let t: TestServer;
  let a: { projectId: string; apiKey: string };
  let b: { projectId: string; apiKey: string };
  const as = (p: { apiKey: string }) => ({ authorization: `Bearer ${p.apiKey}` });
  const store = (p: { apiKey: string }, body: Record<string, unknown>) => http(`${t.url}/v1/memory`, { headers: as(p), body });
  const search = (p: { apiKey: string }, body: Record<string, unknown>) => http(`${t.url}/v1/memory/search`, { headers: as(p), body });
  const list = (p: { apiKey: string }, query: string) => http(`${t.url}/v1/memory?${query}`, { headers: as(p) });

  beforeAll(async () => {
    t = await startTestServer('memory_e2e');
    a = await createProjectWithKey(t, 'Memory A');
    b = await createProjectWithKey(t, 'Memory B');
  });
  afterAll(() => t.close());

  it('stores a fact and returns it, sealed in the history', async () => {
    const res = await store(a, {
      user_id: 'app-user-123',
      fact: 'User prefers window seats',
      fact_type: 'preference',
      importance_score: 0.9,
      source: 'booking',
      metadata: { trip: 'lisbon' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: 'memory',
      user_id: 'app-user-123',
      fact: 'User prefers window seats',
      fact_type: 'preference',
      importance_score: 0.9,
      source: 'booking',
      metadata: { trip: 'lisbon' },
    });
    expect(res.body.id).toMatch(/^mem_[0-9a-f]{32}$/);
    const events = await t.db.pool.query(`select stream_id, data from genaug_events where type = 'MemoryStored' and data->>'memory_id' = $1`, [res.body.id]);
    expect(events.rows[0].stream_id).toBe(`memory-${a.projectId}-app-user-123`);
    expect(JSON.stringify(events.rows[0].data)).not.toContain('window');
    expect(JSON.stringify(events.rows[0].data)).not.toContain('lisbon');
    expect(events.rows[0].data.fact_sealed).toMatch(/^sealed:v1:/);
  });

  it('keeps two users of one project, and one user id in two projects, apart', async () => {
    const facts: [typeof a, string, string][] = [
      [a, 'ana', 'Ana is allergic to peanuts'],
      [a, 'ben', 'Ben is allergic to shellfish'],
      [b, 'ana', 'Ana from the other app is allergic to pollen'],
    ];
    const ids: string[] = [];
    for (const [p, user, fact] of facts) {
      const res = await store(p, { user_id: user, fact, fact_type: 'constraint', importance_score: 0.8 });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const [anaA, benA, anaB] = ids;

    const found = async (p: typeof a, user: string) =>
      (await search(p, { user_id: user, query: 'what is the user allergic to' })).body.data.map((m: any) => m.id);
    expect(await found(a, 'ana')).toEqual([anaA]);
    expect(await found(a, 'ben')).toEqual([benA]);
    expect(await found(b, 'ana')).toEqual([anaB]);
    expect(await found(b, 'ben')).toEqual([]);

    expect((await list(a, 'user_id=ana')).body.data.map((m: any) => m.id)).toEqual([anaA]);
    expect((await list(b, 'user_id=ana')).body.data.map((m: any) => m.id)).toEqual([anaB]);

    const profileA = await http(`${t.url}/v1/memory/profile?user_id=ana`, { headers: as(a) });
    expect(profileA.status).toBe(200);
    expect(profileA.body).toMatchObject({ object: 'memory.profile', user_id: 'ana', total: 1 });
    expect(profileA.body.types[0].facts.map((m: any) => m.id)).toEqual([anaA]);

    // Another project's memory id is a 404, and stays stored.
    expect((await http(`${t.url}/v1/memory/${anaA}`, { headers: as(a) })).body).toMatchObject({ id: anaA, fact: 'Ana is allergic to peanuts' });
    expect((await http(`${t.url}/v1/memory/${anaB}`, { headers: as(a) })).status).toBe(404);
    const foreign = await http(`${t.url}/v1/memory/${anaB}`, { method: 'DELETE', headers: as(a) });
    expect(foreign.status).toBe(404);
    expect(await found(b, 'ana')).toEqual([anaB]);

    const deleted = await http(`${t.url}/v1/memory/${anaA}`, { method: 'DELETE', headers: as(a) });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: anaA, deleted: true, user_id: 'ana' });
    expect(await found(a, 'ana')).toEqual([]);
    expect((await list(a, 'user_id=ana')).body.data).toEqual([]);
    expect(await found(a, 'ben')).toEqual([benA]);
    expect(await found(b, 'ana')).toEqual([anaB]);
    expect((await http(`${t.url}/v1/memory/${anaA}`, { method: 'DELETE', headers: as(a) })).status).toBe(404);
  });

  it('ranks by text match, importance and recency, and says how', async () => {
    const user = 'ranker';
    const put = async (fact: string, importance: number, fact_type = 'preference') =>
      (await store(a, { user_id: user, fact, importance_score: importance, fact_type })).body.id;
    const aisle = await put('Prefers an aisle seat on long flights', 0.4);
    const window = await put('Prefers a window seat on short flights', 0.9);
    const vegan = await put('Is vegan and never eats cheese', 0.7, 'constraint');
    await put('Works as a nurse in Porto', 0.6, 'profile');

    const res = await search(a, { user_id: user, query: 'which seat on flights', top_k: 5 });
    expect(res.status).toBe(200);
    // Both seat facts match the same words; the more important one ranks first.
    expect(res.body.data.map((m: any) => m.id)).toEqual([window, aisle]);
    const top = res.body.data[0];
    expect(top.score).toBeGreaterThan(res.body.data[1].score);
    expect(top.score_details).toMatchObject({ importance: 0.9 });
    expect(top.score_details.text).toBeGreaterThan(0);
    expect(res.body.ranking).toMatchObject({ method: 'lexical', signals: ['full_text', 'trigram', 'importance', 'recency'], vector: { used: false } });
    // Which part of vector ranking is missing is said, not implied.
    expect(res.body.ranking.vector.reason).toMatch(/pgvector|embeddings/);

    // Trigram similarity finds a misspelt word that full-text search cannot.
    const typo = await search(a, { user_id: user, query: 'vegen' });
    expect(typo.body.data.map((m: any) => m.id)).toEqual([vegan]);
    expect(typo.body.data[0].score_details).toMatchObject({ words: 0, trigram: 0.5 });

    const filtered = await search(a, { user_id: user, query: 'seat flights nurse', fact_types: ['profile'] });
    expect(filtered.body.data.map((m: any) => m.fact_type)).toEqual(['profile']);
    const important = await search(a, { user_id: user, query: 'seat flights', min_importance: 0.5 });
    expect(important.body.data.map((m: any) => m.id)).toEqual([window]);
    const limited = await search(a, { user_id: user, query: 'seat flights', top_k: 1 });
    expect(limited.body.data).toHaveLength(1);
  });

  it('lists a page at a time and groups the profile by type, most important first', async () => {
    const user = 'paged';
    const ids: string[] = [];
    const kinds = ['goal', 'preference', 'goal', 'event', 'goal'];
    for (const [i, kind] of kinds.entries()) {
      ids.push((await store(a, { user_id: user, fact: `Fact number ${i}`, fact_type: kind, importance_score: (i + 1) / 10 })).body.id);
    }
    const first = await list(a, `user_id=${user}&limit=2`);
    expect(first.body).toMatchObject({ object: 'list', has_more: true });
    expect(first.body.data.map((m: any) => m.id)).toEqual([ids[4], ids[3]]);
    const second = await list(a, `user_id=${user}&limit=2&after=${first.body.next_cursor}`);
    expect(second.body.data.map((m: any) => m.id)).toEqual([ids[2], ids[1]]);
    const third = await list(a, `user_id=${user}&limit=2&after=${second.body.next_cursor}`);
    expect(third.body).toMatchObject({ has_more: false, next_cursor: null });
    expect(third.body.data.map((m: any) => m.id)).toEqual([ids[0]]);
    expect((await list(a, `user_id=${user}&fact_type=goal`)).body.data).toHaveLength(3);

    const profile = (await http(`${t.url}/v1/memory/profile?user_id=${user}`, { headers: as(a) })).body;
    expect(profile.total).toBe(5);
    expect(profile.types.map((g: any) => [g.fact_type, g.count])).toEqual([
      ['goal', 3],
      ['event', 1],
      ['preference', 1],
    ]);
    expect(profile.types[0].facts.map((m: any) => m.id)).toEqual([ids[4], ids[2], ids[0]]);
    expect(Date.parse(profile.types[0].updated_at)).toBeGreaterThanOrEqual(Date.parse(profile.types[0].facts[2].created_at));
    expect(profile.updated_at).toBe(profile.types.map((g: any) => g.updated_at).sort().pop());
    const capped = (await http(`${t.url}/v1/memory/profile?user_id=${user}&limit_per_type=1`, { headers: as(a) })).body;
    expect(capped.types[0]).toMatchObject({ count: 3, facts: [{ id: ids[4] }] });
  });

  it('answers bad input with a 400 naming the field', async () => {
    const bad = async (body: Record<string, unknown>, param: string) => {
      const res = await store(a, body);
      expect(res.status).toBe(400);
      expect(res.body.error.param).toBe(param);
      expect(res.body.reason).toBe('invalid_request');
    };
    await bad({ fact: 'x' }, 'user_id');
    await bad({ user_id: 'u', fact: 'x', importance_score: 1.5 }, 'importance_score');
    await bad({ user_id: 'u', fact: 'x', importance_score: -0.1 }, 'importance_score');
    await bad({ user_id: 'u', fact: '   ' }, 'fact');
    await bad({ user_id: 'u', fact: 'x'.repeat(2001) }, 'fact');
    await bad({ user_id: 'u', fact: 'x', fact_type: 'Not A Type' }, 'fact_type');
    await bad({ user_id: 'u', fact: 'x', colour: 'red' }, 'colour');

    const noUser = await search(a, { query: 'x' });
    expect([noUser.status, noUser.body.error.param]).toEqual([400, 'user_id']);
    const badTopK = await search(a, { user_id: 'u', query: 'x', top_k: 0 });
    expect([badTopK.status, badTopK.body.error.param]).toEqual([400, 'top_k']);
    const listNoUser = await list(a, 'limit=5');
    expect([listNoUser.status, listNoUser.body.error.param]).toEqual([400, 'user_id']);
    const purgeNoUser = await http(`${t.url}/v1/memory/purge`, { headers: as(a), body: {} });
    expect([purgeNoUser.status, purgeNoUser.body.error.param]).toEqual([400, 'user_id']);

    expect((await http(`${t.url}/v1/memory`, { body: { user_id: 'u', fact: 'x' } })).status).toBe(401);
  });
});
