import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, contextFromHeaders, type RequestContext } from '@genaug/kernel';
import { httpErrorOf } from '@genaug/responses';

// The mock's HTTP edge: the same body limits, error bodies and request ids as the real
// server (Fastify + the kernel's error mapper), on plain node:http so it stays fast.

/** The real server's default GENAUG_BODY_LIMIT_BYTES. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const JSON_TYPE = 'application/json; charset=utf-8';

export interface MockRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  ctx: RequestContext;
  /** The parsed JSON body; undefined when the request had none. */
  body: unknown;
  raw: IncomingMessage;
}

/** Reads and parses a body the way the real server's Fastify does: 413 over the limit, 415 for other types, 400 for bad JSON. */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > BODY_LIMIT_BYTES) throw tooLarge();
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  // Fastify parses JSON, hands text over as a string (which the route then refuses as not an
  // object), and refuses any other media type.
  if (type === '' || type === 'text/plain') return raw.length ? raw.toString('utf8') : undefined;
  if (type !== 'application/json') throw new AppError(415, 'unsupported_media_type', 'Send the body as application/json');
  const text = raw.toString('utf8');
  if (!text.trim()) throw new AppError(400, 'invalid_request', "Body cannot be empty when content-type is set to 'application/json'");
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError(400, 'invalid_request', "Body is not valid JSON but content-type is set to 'application/json'");
  }
}

const tooLarge = () => new AppError(413, 'request_too_large', 'Request body is larger than the server accepts');

export function requestContext(req: IncomingMessage): RequestContext {
  return contextFromHeaders(req.headers as Record<string, unknown>);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Anything thrown, as the public error body; our own errors keep their status, reason and headers. */
export function sendError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, headers: errorHeaders, body } = httpErrorOf(err);
  sendJson(res, status, body, { ...headers, ...errorHeaders });
}

export const noSuchRoute = () => new AppError(404, 'not_found', 'No such route');

const bearer = (header: unknown): string | undefined => {
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m ? m[1].trim() : undefined;
};

/** App routes need a project key; the mock accepts any, as long as one is sent. */
export function requireProjectKey(req: MockRequest): void {
  if (!bearer(req.headers.authorization)) {
    throw new AppError(401, 'missing_api_key', 'Missing API key: send Authorization: Bearer <project key>');
  }
}

/** Admin routes need X-Admin-Key (or a bearer key); any value is accepted. */
export function requireAdminKey(req: MockRequest): void {
  const header = req.headers['x-admin-key'] ?? bearer(req.headers.authorization);
  if (typeof header !== 'string' || !header) throw new AppError(401, 'missing_admin_key', 'Missing admin key: send X-Admin-Key');
}
