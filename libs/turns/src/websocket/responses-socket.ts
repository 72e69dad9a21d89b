import { STATUS_CODES, type IncomingMessage, type Server } from 'http';
import type { Duplex } from 'stream';
import { Inject, Injectable, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer } from 'ws';
import { contextFromHeaders, notFound, toAppError } from '@genaug/kernel';
import { bearer, PROJECT_KEY_REQUEST_CHECK, ProjectAuth, type Caller, type ProjectKeyRequestCheck } from '@genaug/projects';
import { TurnRequests } from '../request-turn/turn-requests';
import { SocketConnection, type SocketTurns } from './socket-connection';

export const RESPONSES_SOCKET_OPTIONS = Symbol('RESPONSES_SOCKET_OPTIONS');
export interface ResponsesSocketOptions {
  /** How long one connection lives: the specification's WebSocket mode closes it after 60 minutes. */
  lifetimeMs: number;
}

const PATH = '/v1/responses';
/** Messages past the body limit are refused with a 413 event; frames this far past it end the connection. */
const FRAME_SLACK_BYTES = 1024 * 1024;

/**
 * WebSocket mode of POST /v1/responses (the specification's `x-openresponses-websocket`): a
 * client upgrades GET /v1/responses with its project key and sends response.create events. The
 * upgrade is refused in our HTTP error shape (401, 403, 404) before any socket is opened.
 */
@Injectable()
export class ResponsesSocket implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private server?: WebSocketServer;
  private readonly connections = new Set<SocketConnection>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: ProjectAuth,
    private readonly requests: TurnRequests,
    @Inject(RESPONSES_SOCKET_OPTIONS) private readonly options: ResponsesSocketOptions,
    @Optional() @Inject(PROJECT_KEY_REQUEST_CHECK) private readonly requestCheck?: ProjectKeyRequestCheck,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter;
    // A process without the api role serves no HTTP.
    if (!adapter) return;
    const http: Server = adapter.getHttpServer();
    const bodyLimitBytes: number = adapter.getInstance()?.initialConfig?.bodyLimit ?? 1024 * 1024;
    this.server = new WebSocketServer({ noServer: true, maxPayload: bodyLimitBytes + FRAME_SLACK_BYTES });
    // The upgrade's answer carries its request id, as every HTTP answer does.
    this.server.on('headers', (headers: string[], req: IncomingMessage & { genaugRequestId?: string }) => headers.push(`X-Request-ID: ${req.genaugRequestId}`));
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(req, socket, head, bodyLimitBytes));
  }

  /** Lets every connection's turns end, then closes it (1001). */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.connections].map((c) => c.stop()));
    this.server?.close();
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, bodyLimitBytes: number): Promise<void> {
    socket.on('error', () => socket.destroy());
    const ctx = contextFromHeaders(req.headers);
    (req as IncomingMessage & { genaugRequestId?: string }).genaugRequestId = ctx.requestId;
    try {
      if ((req.url ?? '').split('?')[0] !== PATH) throw notFound('WebSocket route');
      const key = bearer(req.headers.authorization);
      await this.auth.projectKey(key, 'responses');
      this.server!.handleUpgrade(req, socket, head, (ws) => {
        const connection = new SocketConnection(ws, req.headers, this.turnsFor(key!, bodyLimitBytes), this.options.lifetimeMs);
        this.connections.add(connection);
        ws.on('close', () => this.connections.delete(connection));
      });
    } catch (err) {
      refuse(socket, err, ctx.requestId);
    }
  }

  private turnsFor(key: string, bodyLimitBytes: number): SocketTurns {
    return {
      bodyLimitBytes,
      authenticate: () => this.auth.projectKey(key, 'responses'),
      start: async (caller: Caller & { kind: 'project_key' }, body, ctx, unstoredPrevious) => {
        // Counted against the key's requests per minute as the same request over HTTP is.
        await this.requestCheck?.check({ method: 'POST', routeOptions: { url: PATH }, genaugContext: ctx, headers: {} }, NO_HEADERS, caller);
        return this.requests.start(caller, body, ctx, { unstoredPrevious });
      },
    };
  }
}

/** Rate-limit headers have nowhere to go on a socket's messages. */
const NO_HEADERS = { raw: { setHeader: () => undefined } };

/** An HTTP error answer to an upgrade request, in our error shape, on the raw socket. */
function refuse(socket: Duplex, err: unknown, requestId: string): void {
  const e = toAppError(err);
  const body = JSON.stringify(e.toBody());
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'X-Request-ID': requestId,
    Connection: 'close',
    ...e.headers,
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}`).join('\r\n');
  socket.end(`HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ''}\r\n${head}\r\n\r\n${body}`);
}
