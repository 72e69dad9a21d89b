import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../../apps/api/src/server';
import { createProjectWithKey, http, startTestServer, type TestServer } from '../../../test/support/test-server';
import { testMasterKey } from '../../../test/support/test-database';
import { startFakeOpenAI, type FakeUpstream } from '../../../test/support/upstreams';
import { waitFor } from '../../../test/support/wait-for';

// WebSocket mode of /v1/responses (the specification's x-openresponses-websocket): the official
// openai client's ResponsesWS and a bare `ws` client against the real server.

/** A bare client: every message it receives, parsed, and a way to wait for one. */
class Client {
  readonly received: any[] = [];
  closed: { code: number; reason: string } | null = null;
  upgradeHeaders: Record<string, unknown> = {};
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.received.push(JSON.parse(data.toString())));
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    ws.on('upgrade', (res) => (this.upgradeHeaders = res.headers));
  }

  static async open(url: string, headers: Record<string, string>): Promise<Client> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/v1/responses', { headers });
    const client = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return client;
  }

  send(event: unknown): void {
    this.ws.send(typeof event === 'string' ? event : JSON.stringify(event));
  }

  /** Waits for the nth message (from 0) matching `match`. */
  async next(match: (m: any) => boolean, nth = 0): Promise<any> {
    await waitFor(async () => this.received.filter(match).length > nth, 'a message');
    return this.received.filter(match)[nth];
  }

  /** Sends a response.create and waits for its ending event (or an error event). */
  async turn(body: Record<string, unknown>): Promise<{ events: any[]; end: any }> {
    const from = this.received.length;
    this.send({ type: 'response.create', ...body });
    await waitFor(async () => this.received.slice(from).some(isEnd), 'the end of a turn');
    const events = this.received.slice(from);
    return { events, end: events.find(isEnd) };
  }

  close(): void {
    this.ws.close();
  }
}

const isEnd = (m: any) => ['response.completed', 'response.failed', 'response.incomplete', 'error'].includes(m.type);

/** The answer to an upgrade that is refused: status and our JSON error body. */
async function refusedUpgrade(url: string, headers: Record<string, string>, path = '/v1/responses'): Promise<{ status: number; body: any }> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + path, { headers });
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => undefined);
  });
}

describe('WebSocket mode of /v1/responses', () => {
  let t: TestServer;
  let key: string;
  let auth: Record<string, string>;
  const open: Client[] = [];
  const connect = async (headers = auth) => {
    const c = await Client.open(t.url, headers);
    open.push(c);
    return c;
  };
  beforeAll(async () => {
    t = await startTestServer('websocket_e2e');
    ({ apiKey: key } = await createProjectWithKey(t, 'Sockets'));
    auth = { authorization: `Bearer ${key}` };
  });
  afterEach(() => open.splice(0).forEach((c) => c.close()));
  afterAll(() => t.close());

  it('streams a turn to the official client as the events of an HTTP stream, and stores it', async () => {
    const client = new OpenAI({ apiKey: key, baseURL: `${t.url}/v1`, maxRetries: 0 });
    const socket = new ResponsesWS(client);
    const types: string[] = [];
    let text = '';
    const done = new Promise<any>((resolve, reject) => {
      socket.on('event', (event) => {
        types.push(event.type);
        if (event.type === 'response.output_text.delta') text += event.delta;
      });
      socket.on('response.completed', (event) => resolve(event.response));
      socket.on('error', reject);
    });
    await new Promise((r) => (socket as any).socket.once('open', r));
    socket.send({ type: 'response.create', model: 'balanced', input: 'Count from 1 to 5.', user: 'socket-user' });
    const response = await done;
    socket.close();

    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    expect(types.filter((x) => x === 'response.output_text.delta').length).toBeGreaterThan(1);
    expect(response).toMatchObject({ status: 'completed', user: 'socket-user' });
    expect(response.output[0].content[0].text).toBe(text);
    const stored = await http(`${t.url}/v1/responses/${response.id}`, { headers: auth });
    expect(stored.status).toBe(200);
    expect(stored.body.output).toEqual(response.output);
  });

  it('answers the upgrade with its request id, and gives every turn its own', async () => {
    const c = await connect({ ...auth, 'x-request-id': 'req_socket_1' });
    expect(c.upgradeHeaders['x-request-id']).toBe('req_socket_1');
    const a = await c.turn({ model: 'balanced', input: 'first' });
    const b = await c.turn({ model: 'balanced', input: 'second' });
    const ids = [a.end.response.metadata.general_augment_request_id, b.end.response.metadata.general_augment_request_id];
    expect(ids[0]).toMatch(/^req_/);
    expect(ids[1]).not.toBe(ids[0]);
  });

  it('runs the events sent on one connection one at a time, in order', async () => {
    const c = await connect();
    for (const n of [1, 2, 3]) c.send({ type: 'response.create', model: 'balanced', input: `turn ${n}` });
    await c.next((m) => m.type === 'response.completed', 2);
    const created = c.received.filter((m) => m.type === 'response.created').map((m) => m.response.id);
    expect(new Set(created).size).toBe(3);
    // Every event of the first turn comes before the second's response.created, and so on.
    const firstOf = (id: string) => c.received.findIndex((m) => m.response?.id === id);
    const lastOf = (id: string) => c.received.map((m) => m.response?.id).lastIndexOf(id);
    expect(lastOf(created[0])).toBeLessThan(firstOf(created[1]));
    expect(lastOf(created[1])).toBeLessThan(firstOf(created[2]));
    const texts = c.received.filter((m) => m.type === 'response.completed').map((m) => m.response.output[0].content[0].text);
    expect(texts.map((x: string) => x.includes('turn 1') ? 1 : x.includes('turn 2') ? 2 : 3)).toEqual([1, 2, 3]);
  });

  describe('continuing with previous_response_id', () => {
    let upstream: FakeUpstream;
    let projectAuth: Record<string, string>;
    beforeAll(async () => {
      upstream = await startFakeOpenAI();
      const p = await createProjectWithKey(t, 'Socket chains');
      projectAuth = { authorization: `Bearer ${p.apiKey}` };
      const models = { providers: { fake: { kind: 'openai', baseUrl: upstream.url, apiKey: 'k', maxRetries: 0 } }, tiers: { balanced: ['fake/gpt-fake'] } };
      const res = await http(`${t.url}/api/v1/admin/projects/${p.projectId}`, { method: 'PATCH', headers: { 'x-admin-key': t.adminKey }, body: { settings: { models } } });
      expect(res.status).toBe(200);
    });
    afterAll(() => upstream.close());

    it('continues a response not stored on the connection that made it, and nowhere else', async () => {
      const c = await connect(projectAuth);
      const first = await c.turn({ model: 'balanced', store: false, input: 'My name is Ada.' });
      expect(first.end.type).toBe('response.completed');
      const id = first.end.response.id;

      const next = await c.turn({ model: 'balanced', store: false, previous_response_id: id, input: 'What is my name?' });
      expect(next.end.type).toBe('response.completed');
      const sent = JSON.stringify(upstream.calls[upstream.calls.length - 1].body.messages);
      expect(sent).toContain('My name is Ada.');
      expect(sent).toContain('What is my name?');

      // Another connection, or HTTP, does not find it: it was not stored.
      const other = await connect(projectAuth);
      const elsewhere = await other.turn({ model: 'balanced', previous_response_id: id, input: 'And now?' });
      expect(elsewhere.end).toMatchObject({ type: 'error', status: 404, error: { code: 'not_found', param: 'previous_response_id' } });
      const overHttp = await http(`${t.url}/v1/responses`, { headers: projectAuth, body: { model: 'balanced', previous_response_id: id, input: 'And now?' } });
      expect(overHttp.status).toBe(404);
      // Only the connection's last response is kept: the first is gone once the second exists.
      const older = await c.turn({ model: 'balanced', previous_response_id: id, input: 'Again?' });
      expect(older.end).toMatchObject({ type: 'error', status: 404 });
    });

    it('warms up with generate: false: no model asked, a response to continue from', async () => {
      const c = await connect(projectAuth);
      const before = upstream.calls.length;
      const warm = await c.turn({ model: 'balanced', store: false, generate: false, instructions: 'Be brief.', input: 'Context: order 42 is late.' });
      expect(warm.end).toMatchObject({ type: 'response.completed', response: { status: 'completed', output: [], usage: { total_tokens: 0 } } });
      expect(upstream.calls.length).toBe(before);
      const next = await c.turn({ model: 'balanced', previous_response_id: warm.end.response.id, input: 'What is late?' });
      expect(next.end.type).toBe('response.completed');
      expect(upstream.calls.length).toBe(before + 1);
      expect(JSON.stringify(upstream.calls[upstream.calls.length - 1].body.messages)).toContain('order 42 is late');
    });

    it('forgets the last response when a request on the connection fails', async () => {
      const c = await connect(projectAuth);
      const first = await c.turn({ model: 'balanced', store: false, input: 'Remember 42.' });
      const bad = await c.turn({ model: 'balanced', input: 'x', temperature: 7 });
      expect(bad.end).toMatchObject({ type: 'error', status: 400, error: { param: 'temperature' } });
      const next = await c.turn({ model: 'balanced', previous_response_id: first.end.response.id, input: 'Which number?' });
      expect(next.end).toMatchObject({ type: 'error', status: 404, error: { param: 'previous_response_id' } });
    });

    it('sends a failed turn as error (with its status) then response.failed, and the connection goes on', async () => {
      const c = await connect(projectAuth);
      upstream.options.failFirst = { count: 1, status: 500 };
      const failed = await c.turn({ model: 'balanced', input: 'fail please' });
      const error = failed.events.find((m) => m.type === 'error');
      expect(error).toMatchObject({ status: 502, error: { code: 'upstream_error' } });
      await c.next((m) => m.type === 'response.failed');
      const types = c.received.map((m) => m.type);
      expect(types.indexOf('error')).toBe(types.indexOf('response.failed') - 1);
      const after = await c.turn({ model: 'balanced', input: 'and now?' });
      expect(after.end.type).toBe('response.completed');
    });

    it('completes and stores a turn whose client left mid-stream', async () => {
      upstream.options.chunkDelayMs = 100;
      upstream.options.reply = { text: 'one two three four five six seven eight nine ten eleven twelve' };
      try {
        const c = await connect(projectAuth);
        c.send({ type: 'response.create', model: 'balanced', input: 'long answer' });
        const created = await c.next((m) => m.type === 'response.created');
        await c.next((m) => m.type === 'response.output_text.delta');
        c.ws.terminate();
        const id = created.response.id;
        let got: any;
        await waitFor(async () => (got = await http(`${t.url}/v1/responses/${id}`, { headers: projectAuth })).body.status === 'completed', 'the turn to complete');
        expect(got.body.output[0].content[0].text).toContain('twelve');
      } finally {
        upstream.options.chunkDelayMs = 0;
        upstream.options.reply = undefined;
      }
    });
  });

  it('refuses bad events with an error naming the problem, and keeps the connection', async () => {
    const c = await connect();
    const cases: [unknown, number, string | null][] = [
      ['not json', 400, 'message'],
      [[1, 2], 400, 'message'],
      [{ model: 'balanced', input: 'x' }, 400, 'type'],
      [{ type: 'response.cancel' }, 400, 'type'],
      [{ type: 'response.create', model: 'balanced', input: 'x', stream: true }, 400, 'stream'],
      [{ type: 'response.create', model: 'balanced', input: 'x', background: true }, 400, 'background'],
      [{ type: 'response.create', input: 'x' }, 400, 'model'],
      [{ type: 'response.create', model: 'balanced', input: 'a\u0000b' }, 400, 'input'],
      [{ type: 'response.create', model: 'enormous', input: 'x' }, 400, 'model'],
    ];
    for (const [event, status, param] of cases) {
      const from = c.received.length;
      c.send(event);
      const error = await c.next((m) => m.type === 'error' && c.received.indexOf(m) >= from);
      expect({ sent: event, status: error.status, param: error.error.param }).toEqual({ sent: event, status, param });
      expect(error.error.message).toEqual(expect.any(String));
    }
    c.ws.send(Buffer.from('{}'), { binary: true });
    expect((await c.next((m) => m.type === 'error', cases.length)).error.code).toBe('invalid_json');
    const ok = await c.turn({ model: 'balanced', input: 'still here' });
    expect(ok.end.type).toBe('response.completed');
    expect(c.closed).toBeNull();
  });

  it('refuses a message over the body limit with a 413 event', async () => {
    const c = await connect();
    c.send({ type: 'response.create', model: 'balanced', input: 'x'.repeat(1024 * 1024 + 10) });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ status: 413, error: { code: 'request_too_large' } });
    expect((await c.turn({ model: 'balanced', input: 'small' })).end.type).toBe('response.completed');
  });

  it('refuses the upgrade in our error shape: no key, a wrong key, a key without the scope, another path', async () => {
    expect(await refusedUpgrade(t.url, {})).toMatchObject({ status: 401, body: { reason: 'missing_api_key', error: { type: 'authentication_error' } } });
    expect(await refusedUpgrade(t.url, { authorization: 'Bearer gak_nope' })).toMatchObject({ status: 401, body: { reason: 'invalid_api_key' } });
    const adminOnly = await createProjectWithKey(t, 'Admin only', { scopes: ['admin'] });
    expect(await refusedUpgrade(t.url, { authorization: `Bearer ${adminOnly.apiKey}` })).toMatchObject({ status: 403, body: { reason: 'insufficient_scope' } });
    expect(await refusedUpgrade(t.url, auth, '/v1/other')).toMatchObject({ status: 404, body: { reason: 'not_found' } });
  });

  it('refuses turns once the connection key is revoked', async () => {
    const p = await createProjectWithKey(t, 'Revoked');
    const c = await connect({ authorization: `Bearer ${p.apiKey}` });
    expect((await c.turn({ model: 'balanced', input: 'before' })).end.type).toBe('response.completed');
    const revoked = await http(`${t.url}/api/v1/admin/projects/${p.projectId}/keys/${p.keyId}`, { method: 'DELETE', headers: { 'x-admin-key': t.adminKey } });
    expect(revoked.status).toBeLessThan(300);
    const after = await c.turn({ model: 'balanced', input: 'after' });
    expect(after.end).toMatchObject({ type: 'error', status: 401, error: { code: 'api_key_revoked' } });
  });

  it("counts every response.create against its key's requests per minute", async () => {
    const p = await createProjectWithKey(t, 'Limited sockets');
    const governance = { requests_per_minute: 2 };
    const patched = await http(`${t.url}/api/v1/admin/projects/${p.projectId}`, { method: 'PATCH', headers: { 'x-admin-key': t.adminKey }, body: { settings: { governance } } });
    expect(patched.status).toBe(200);
    const c = await connect({ authorization: `Bearer ${p.apiKey}` });
    expect((await c.turn({ model: 'balanced', input: 'one' })).end.type).toBe('response.completed');
    // A refused request counts too, as over HTTP.
    expect((await c.turn({ model: 'balanced', input: 'two', temperature: 9 })).end).toMatchObject({ type: 'error', status: 400 });
    const third = await c.turn({ model: 'balanced', input: 'three' });
    expect(third.end).toMatchObject({ type: 'error', status: 429, error: { type: 'rate_limit_error', retry_after_seconds: expect.any(Number) } });
  });

  it("hides another project's responses: a 404", async () => {
    const other = await createProjectWithKey(t, 'Other sockets');
    const mine = await http(`${t.url}/v1/responses`, { headers: auth, body: { model: 'balanced', input: 'mine' } });
    const c = await connect({ authorization: `Bearer ${other.apiKey}` });
    const res = await c.turn({ model: 'balanced', previous_response_id: mine.body.id, input: 'theirs?' });
    expect(res.end).toMatchObject({ type: 'error', status: 404, error: { param: 'previous_response_id' } });
  });

  describe('lifetime and shutdown', () => {
    let server: RunningServer;
    let url: string;
    beforeAll(async () => {
      // A second server over the same database, with short-lived connections.
      server = await startServer({ databaseUrl: t.db.url, masterKey: testMasterKey, adminKey: t.adminKey, roles: ['api'], port: 0, host: '127.0.0.1', bodyLimitBytes: 1024 * 1024, websocketLifetimeMs: 3000 });
      url = server.url;
    });
    afterAll(() => server?.close());

    it('ends a connection at its lifetime with websocket_connection_limit_reached, after its running turn', async () => {
      const c = await Client.open(url, auth);
      open.push(c);
      expect((await c.turn({ model: 'balanced', input: 'in time' })).end.type).toBe('response.completed');
      await waitFor(async () => c.closed !== null, 'the connection to close');
      expect(c.received[c.received.length - 1]).toMatchObject({ type: 'error', status: 400, error: { code: 'websocket_connection_limit_reached' } });
      expect(c.closed!.code).toBe(1000);
    });

    it('lets a running turn end before a stopping server closes the connection (1001)', async () => {
      const upstream = await startFakeOpenAI({ chunkDelayMs: 100 });
      try {
        const p = await createProjectWithKey(t, 'Shutdown');
        const models = { providers: { fake: { kind: 'openai', baseUrl: upstream.url, apiKey: 'k', maxRetries: 0 } }, tiers: { balanced: ['fake/gpt-fake'] } };
        await http(`${t.url}/api/v1/admin/projects/${p.projectId}`, { method: 'PATCH', headers: { 'x-admin-key': t.adminKey }, body: { settings: { models } } });
        upstream.options.reply = { text: 'a b c d e f g h i j' };
        const stopping = await startServer({ databaseUrl: t.db.url, masterKey: testMasterKey, adminKey: t.adminKey, roles: ['api'], port: 0, host: '127.0.0.1', bodyLimitBytes: 1024 * 1024 });
        const c = await Client.open(stopping.url, { authorization: `Bearer ${p.apiKey}` });
        c.send({ type: 'response.create', model: 'balanced', input: 'slow' });
        await c.next((m) => m.type === 'response.output_text.delta');
        await stopping.close();
        expect(c.received.some((m) => m.type === 'response.completed')).toBe(true);
        await waitFor(async () => c.closed !== null, 'the connection to close');
        expect(c.closed!.code).toBe(1001);
      } finally {
        await upstream.close();
      }
    });
  });
});
