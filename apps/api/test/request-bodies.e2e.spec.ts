import { createProjectWithKey, http, startTestServer, type TestServer } from '../../../test/support/test-server';

// JSON can carry a NUL character or half of a surrogate pair, escaped; PostgreSQL can store
// neither. Such a body is a 400 that names the field, on every route, before anything is written:
// it once was a 500 where the text was stored as it came, and a memory fact holding a NUL would
// have stopped the memory projection at its event.
describe('text that cannot be stored', () => {
  let t: TestServer;
  let auth: Record<string, string>;
  beforeAll(async () => {
    t = await startTestServer('request_bodies');
    auth = { authorization: `Bearer ${(await createProjectWithKey(t)).apiKey}` };
  });
  afterAll(() => t.close());

  const post = (path: string, body: string) => http(`${t.url}${path}`, { headers: { ...auth, 'content-type': 'application/json' }, body });

  it('is refused in a turn, naming the field', async () => {
    for (const [body, param] of [
      ['{"model":"balanced","input":"hi","metadata":{"note":"a\\u0000b"}}', 'metadata.note'],
      ['{"model":"balanced","input":"hi","user":"u\\ud800"}', 'user'],
      ['{"model":"balanced","input":[{"role":"user","content":[{"type":"input_text","text":"x\\udc00"}]}]}', 'input[0].content[0].text'],
      ['{"model":"balanced","input":"hi","metadata":{"k\\u0000":"v"}}', 'metadata.k\u0000'],
    ]) {
      const res = await post('/v1/responses', body);
      expect({ status: res.status, reason: res.body.reason, param: res.body.error?.param }).toEqual({ status: 400, reason: 'invalid_request', param });
    }
    const none = await t.db.pool.query("select count(*)::int as n from genaug_events where type = 'TurnRequested'");
    expect(none.rows[0].n).toBe(0);
  });

  it('lets whole surrogate pairs through', async () => {
    const res = await post('/v1/responses', '{"model":"balanced","input":"smile \\ud83d\\ude00","metadata":{"mood":"\\ud83d\\ude00"}}');
    expect(res.status).toBe(200);
    expect(res.body.metadata.mood).toBe('😀');
  });

  it('is refused in a memory fact, and memory keeps working', async () => {
    const bad = await post('/v1/memory', '{"user_id":"u-1","fact":"likes \\u0000 tea"}');
    expect({ status: bad.status, param: bad.body.error?.param }).toEqual({ status: 400, param: 'fact' });
    const good = await post('/v1/memory', '{"user_id":"u-1","fact":"likes green tea"}');
    expect(good.status).toBe(201);
    const found = await post('/v1/memory/search', '{"user_id":"u-1","query":"tea"}');
    expect(found.status).toBe(200);
    expect(JSON.stringify(found.body)).toContain('likes green tea');
  });

  it('is refused in a path or a query too, and a URL that cannot be decoded is a 400 in the same shape', async () => {
    const get = (path: string) => http(`${t.url}${path}`, { headers: auth });
    for (const [path, param] of [
      ['/v1/memory/mem_%00', 'memory_id'],
      ['/v1/memory?user_id=a%00b', 'user_id'],
    ]) {
      const res = await get(path);
      expect({ status: res.status, param: res.body.error?.param }).toEqual({ status: 400, param });
    }
    const undecodable = await get('/v1/responses/resp_%ff');
    expect({ status: undecodable.status, reason: undecodable.body.reason, param: undecodable.body.error?.param }).toEqual({ status: 400, reason: 'invalid_request', param: 'url' });
  });

  it('takes a DELETE that says it sends JSON and sends nothing, and still refuses what is not a JSON body', async () => {
    const stored = await post('/v1/memory', '{"user_id":"u-2","fact":"prefers trains"}');
    expect(stored.status).toBe(201);
    const removed = await http(`${t.url}/v1/memory/${stored.body.id}?user_id=u-2`, { method: 'DELETE', headers: { ...auth, 'content-type': 'application/json' } });
    expect(removed.status).toBeLessThan(300);

    const empty = await http(`${t.url}/v1/responses`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' } });
    expect({ status: empty.status, reason: empty.body.reason }).toEqual({ status: 400, reason: 'invalid_request' });
    const broken = await post('/v1/responses', '{"model":');
    expect({ status: broken.status, reason: broken.body.reason }).toEqual({ status: 400, reason: 'invalid_request' });
    const poisoned = await post('/v1/responses', '{"model":"balanced","input":"x","__proto__":{"admin":true}}');
    expect({ status: poisoned.status, reason: poisoned.body.reason }).toEqual({ status: 400, reason: 'invalid_request' });
    const form = await http(`${t.url}/v1/responses`, { headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'model=balanced&input=x' });
    expect({ status: form.status, reason: form.body.reason }).toEqual({ status: 415, reason: 'unsupported_media_type' });
  });
});
