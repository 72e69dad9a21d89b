import * as fs from 'node:fs';
import * as path from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '@genaug/kernel';
import { ResponsesSocketServer } from '@genaug/turns';
import { MockLedger } from './ledger/mock-ledger';
import { MOCK_BUILD, MOCK_DEFAULT_PORT, MOCK_PROJECT_ID } from './mock-defaults';
import { MockMemory } from './memory/mock-memory';
import { BODY_LIMIT_BYTES, noSuchRoute, readBody, requestContext, requireAdminKey, requireProjectKey, sendError, sendJson, type MockRequest } from './mock-http';
import { rateLimitHeaders } from './turns/error-triggers';
import { MockConversations } from './turns/mock-conversations';
import { MockModels } from './turns/mock-models';
import { MockResponses } from './turns/mock-responses';

// `genaug mock`: the app-facing API of General Augment in one process with no database, for
// app contract tests in CI. Deterministic (the local model answers from the input alone) and
// fast (plain node:http). Everything is kept in memory and is gone when it stops.

export interface MockServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** No line per request. */
  quiet?: boolean;
  clock?: Clock;
  /** Where request lines go; stdout by default. */
  log?: (line: string) => void;
}

export interface MockServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}


type Handler = (req: MockRequest, res: ServerResponse, params: string[]) => unknown | Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const segment = '([^/]+)';
/** As on the server by default: a WebSocket connection lives an hour. */
const SOCKET_LIFETIME_MS = 60 * 60_000;

export async function startMockServer(options: MockServerOptions = {}): Promise<MockServer> {
  const clock = options.clock ?? systemClock;
  const version = packageVersion();
  const ledger = new MockLedger(clock);
  const memory = new MockMemory(clock);
  const conversations = new MockConversations(clock);
  const responses = new MockResponses(ledger, memory, clock, conversations);
  const models = new MockModels(clock);
  const startedAt = clock.now().toISOString();
  const project = { id: MOCK_PROJECT_ID, object: 'project', name: 'Mock', slug: MOCK_PROJECT_ID, settings: { timezone: 'UTC' }, created_at: startedAt, updated_at: startedAt };
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));

  const health = (status: string) => (req: MockRequest, res: ServerResponse) =>
    sendJson(res, 200, { status, version, build: MOCK_BUILD, mock: true, ...(status === 'ready' ? { checks: {} } : {}) }, { 'x-request-id': req.ctx.requestId });
  const app = (handler: Handler): Handler => (req, res, params) => {
    requireProjectKey(req);
    for (const [name, value] of Object.entries(rateLimitHeaders())) res.setHeader(name, value);
    return handler(req, res, params);
  };
  const admin = (handler: Handler): Handler => (req, res, params) => {
    requireAdminKey(req);
    return handler(req, res, params);
  };
  const json = (status: number, body: unknown, req: MockRequest, res: ServerResponse) => sendJson(res, status, body, { 'x-request-id': req.ctx.requestId });

  const routes: Route[] = [
    { method: 'GET', pattern: /^\/health\/live$/, handler: health('ok') },
    { method: 'GET', pattern: /^\/health\/ready$/, handler: health('ready') },
    { method: 'GET', pattern: /^\/v1\/models$/, handler: app((req, res) => models.list(req, res)) },
    { method: 'GET', pattern: /^\/v1\/models\/(.+)$/, handler: app((req, res, [id]) => models.get(req, res, id)) },
    { method: 'POST', pattern: /^\/v1\/responses$/, handler: app((req, res) => responses.create(req, res)) },
    { method: 'POST', pattern: /^\/v1\/responses\/compact$/, handler: app((req, res) => responses.compact(req, res)) },
    { method: 'POST', pattern: /^\/v1\/responses\/input_tokens$/, handler: app((req, res) => responses.countInputTokens(req, res)) },
    { method: 'GET', pattern: new RegExp(`^/v1/responses/${segment}$`), handler: app((req, res, [id]) => responses.get(req, res, id)) },
    { method: 'GET', pattern: new RegExp(`^/v1/responses/${segment}/input_items$`), handler: app((req, res, [id]) => responses.inputItems(req, res, id)) },
    { method: 'DELETE', pattern: new RegExp(`^/v1/responses/${segment}$`), handler: app((req, res, [id]) => responses.delete(req, res, id)) },
    { method: 'POST', pattern: new RegExp(`^/v1/responses/${segment}/cancel$`), handler: app((req, res, [id]) => responses.cancel(req, res, id)) },
    { method: 'POST', pattern: /^\/v1\/conversations$/, handler: app((req, res) => json(200, conversations.create(req.body), req, res)) },
    { method: 'GET', pattern: new RegExp(`^/v1/conversations/${segment}$`), handler: app((req, res, [id]) => json(200, conversations.get(id), req, res)) },
    { method: 'POST', pattern: new RegExp(`^/v1/conversations/${segment}$`), handler: app((req, res, [id]) => json(200, conversations.update(id, req.body), req, res)) },
    { method: 'DELETE', pattern: new RegExp(`^/v1/conversations/${segment}$`), handler: app((req, res, [id]) => json(200, conversations.delete(id), req, res)) },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/conversations/${segment}/items$`),
      handler: app((req, res, [id]) => json(200, conversations.listItems(id, Object.fromEntries(req.query)), req, res)),
    },
    { method: 'POST', pattern: new RegExp(`^/v1/conversations/${segment}/items$`), handler: app((req, res, [id]) => json(200, conversations.addItems(id, req.body), req, res)) },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/conversations/${segment}/items/${segment}$`),
      handler: app((req, res, [id, itemId]) => json(200, conversations.getItem(id, itemId), req, res)),
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/v1/conversations/${segment}/items/${segment}$`),
      handler: app((req, res, [id, itemId]) => json(200, conversations.deleteItem(id, itemId), req, res)),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/memory$/,
      handler: app((req, res) => {
        const stored = memory.store(req.body, req.ctx.idempotencyKey);
        sendJson(res, stored.status, stored.memory, { 'x-request-id': req.ctx.requestId, ...(stored.replayed ? { 'Idempotent-Replayed': 'true' } : {}) });
      }),
    },
    { method: 'POST', pattern: /^\/v1\/memory\/search$/, handler: app((req, res) => json(200, memory.search(req.body), req, res)) },
    { method: 'POST', pattern: /^\/v1\/memory\/purge$/, handler: app((req, res) => json(200, memory.purge(req.body), req, res)) },
    { method: 'GET', pattern: /^\/v1\/memory$/, handler: app((req, res) => json(200, memory.list(Object.fromEntries(req.query)), req, res)) },
    { method: 'GET', pattern: /^\/v1\/memory\/profile$/, handler: app((req, res) => json(200, memory.profile(Object.fromEntries(req.query)), req, res)) },
    { method: 'GET', pattern: new RegExp(`^/v1/memory/${segment}$`), handler: app((req, res, [id]) => json(200, memory.get(id), req, res)) },
    { method: 'DELETE', pattern: new RegExp(`^/v1/memory/${segment}$`), handler: app((req, res, [id]) => json(200, memory.delete(id), req, res)) },
    // One project stands for the whole mock: any project id or slug reads the same data.
    { method: 'GET', pattern: /^\/api\/v1\/admin\/projects$/, handler: admin((req, res) => json(200, { object: 'list', data: [project], has_more: false, next_cursor: null }, req, res)) },
    { method: 'GET', pattern: new RegExp(`^/api/v1/admin/projects/${segment}$`), handler: admin((req, res) => json(200, project, req, res)) },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/admin/projects/${segment}/usage$`),
      handler: admin((req, res, [project]) => json(200, ledger.usage(project, Object.fromEntries(req.query)), req, res)),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/admin/projects/${segment}/traces/${segment}$`),
      handler: admin((req, res, [, id]) => json(200, ledger.trace(id), req, res)),
    },
  ];

  const handle = async (raw: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const ctx = requestContext(raw);
    const target = raw.url ?? '/';
    const q = target.indexOf('?');
    const url = { pathname: q < 0 ? target : target.slice(0, q), searchParams: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) };
    try {
      const method = raw.method ?? 'GET';
      let params: string[] | null = null;
      const route = routes.find((r) => {
        if (r.method !== method) return false;
        const m = r.pattern.exec(url.pathname);
        params = m ? m.slice(1).map(decodeURIComponent) : null;
        return !!m;
      });
      if (!route) throw noSuchRoute();
      const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(raw);
      await route.handler({ method, path: url.pathname, query: url.searchParams, headers: raw.headers, ctx, body, raw }, res, params!);
    } catch (err) {
      sendError(res, err, { 'x-request-id': ctx.requestId });
    }
    if (!options.quiet) log(`${raw.method} ${url.pathname} ${res.statusCode} ${(performance.now() - started).toFixed(1)}ms ${ctx.requestId}`);
  };

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => void handle(req, res));
  // WebSocket mode of /v1/responses: each response.create a streamed turn, as on the server.
  const sockets = new ResponsesSocketServer(server, {
    bodyLimitBytes: BODY_LIMIT_BYTES,
    lifetimeMs: SOCKET_LIFETIME_MS,
    open: async (headers) => {
      requireProjectKey({ headers } as MockRequest);
      return { start: (body, ctx) => responses.startSocketTurn(body, ctx) };
    },
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? MOCK_DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    host,
    port,
    close: async () => {
      await sockets.stop();
      await closeServer(server);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Idle keep-alive connections would hold close() open.
    server.closeIdleConnections();
  });
}

/** The version of the package the mock ships in, as the real server's health reports it. */
function packageVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  }
  return '0.0.0';
}
