import * as http from 'http';
import * as https from 'https';
import { Readable } from 'stream';
import * as zlib from 'zlib';

// Kept-alive connections per protocol, shared by every provider client of the process.
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
const ENCODINGS = 'gzip, deflate, br';

/**
 * The `fetch` the provider SDKs are given: the same requests over Node's own HTTP client. Each
 * turn makes a model call, and the global fetch spends about 150 µs more CPU per call than this
 * (measured with the official OpenAI client against a local server), a good share of a turn's
 * CPU. A streamed answer (server-sent events) is handed over as it arrives; any other is read
 * whole first.
 */
export function upstreamFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const agent = agents[url.protocol as keyof typeof agents];
  if (!agent) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
  const headers: Record<string, string> = { 'accept-encoding': ENCODINGS };
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  const body = requestBody(init.body);
  if (body !== null) headers['content-length'] = String(body.byteLength);
  const send = url.protocol === 'https:' ? https.request : http.request;

  return new Promise((resolve, reject) => {
    const req = send(url, { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined }, (res) => {
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, v);
      }
      const status = res.statusCode ?? 502;
      const stream = decoded(res);
      if (/^text\/event-stream/i.test(res.headers['content-type'] ?? '')) {
        resolve(new Response(Readable.toWeb(stream) as ReadableStream, { status, headers: responseHeaders }));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', reject);
      stream.on('end', () => resolve(new Response(nullBodyStatus(status) ? null : Buffer.concat(chunks), { status, headers: responseHeaders })));
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

function requestBody(body: RequestInit['body']): Buffer | null {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // The model calls send JSON; uploads (forms, streams) are not made through this client.
  throw new TypeError('unsupported request body');
}

/** The response body with its content encoding undone (what fetch does on its own). */
function decoded(res: http.IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : null;
  if (!decoder) return res;
  res.on('error', (err) => decoder.destroy(err));
  return res.pipe(decoder);
}

// A Response with one of these statuses must not have a body.
const nullBodyStatus = (status: number) => status === 101 || status === 204 || status === 205 || status === 304;
