import * as http from 'http';
import type { AddressInfo } from 'net';
import * as zlib from 'zlib';
import { upstreamFetch } from '../src/upstream-fetch';

/** The fetch the provider clients use, against a real local HTTP server. */
describe('upstream fetch', () => {
  let server: http.Server;
  let base: string;
  let release: (() => void) | null = null;
  const seen: { method: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method!, headers: req.headers, body });
        if (req.url === '/json') {
          res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'up-1' });
          res.end(JSON.stringify({ echo: JSON.parse(body) }));
        } else if (req.url === '/gzip') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
          res.end(zlib.gzipSync(JSON.stringify({ packed: true })));
        } else if (req.url === '/empty') {
          res.writeHead(204);
          res.end();
        } else if (req.url === '/events') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: first\n\n');
          // The rest waits until the test has read the first event.
          release = () => res.end('data: last\n\n');
        } else if (req.url === '/hang') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: started\n\n');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends method, headers and body, and gives back status, headers and body', async () => {
    const res = await upstreamFetch(`${base}/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({ q: 'héllo' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('up-1');
    expect(await res.json()).toEqual({ echo: { q: 'héllo' } });
    const request = seen[seen.length - 1];
    expect(request).toMatchObject({ method: 'POST', body: '{"q":"héllo"}' });
    expect(request.headers.authorization).toBe('Bearer k');
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength('{"q":"héllo"}')));
  });

  it('undoes a compressed answer and allows a bodiless one', async () => {
    expect(await (await upstreamFetch(`${base}/gzip`)).json()).toEqual({ packed: true });
    const empty = await upstreamFetch(`${base}/empty`, { method: 'DELETE' });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
  });

  it('hands a stream of events over as it arrives', async () => {
    const res = await upstreamFetch(`${base}/events`);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toBe('data: first\n\n');
    release!();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += Buffer.from(r.value).toString();
    expect(rest).toBe('data: last\n\n');
  });

  it('stops a call and its stream when aborted', async () => {
    const controller = new AbortController();
    const res = await upstreamFetch(`${base}/hang`, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await expect(reader.read()).rejects.toThrow();
    await expect(upstreamFetch(`${base}/json`, { method: 'POST', body: '{}', signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('fails a call to a server that is not there', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(upstreamFetch(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
