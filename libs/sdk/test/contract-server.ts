import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A real HTTP server on localhost that answers as the API would; each test decides the
// answers and reads back what the SDK sent.

export interface Received {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export type Handler = (req: Received, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

export class ContractServer {
  readonly received: Received[] = [];
  private handlers: Handler[] = [];
  private fallback: Handler = (_req, res) => json(res, 404, { error: { message: 'no handler', type: 'not_found_error', code: 'not_found', param: null }, reason: 'not_found' });
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer(async (raw, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of raw) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const url = new URL(raw.url ?? '/', 'http://localhost');
      const req: Received = {
        method: raw.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: raw.headers,
        body: text ? JSON.parse(text) : undefined,
      };
      this.received.push(req);
      const handler = this.handlers.shift() ?? this.fallback;
      await handler(req, res, raw);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Answers the next requests in order; `always` answers every request after them. */
  answer(...handlers: Handler[]): this {
    this.handlers.push(...handlers);
    return this;
  }

  always(handler: Handler): this {
    this.fallback = handler;
    return this;
  }

  reset(): void {
    this.received.length = 0;
    this.handlers = [];
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export const errorBody = (status: string, code: string, message: string, extra: Record<string, unknown> = {}) => ({
  error: { message, type: status, code, param: null },
  reason: code,
  ...extra,
});
