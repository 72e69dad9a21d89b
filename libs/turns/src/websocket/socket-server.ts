import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'http';
import type { Duplex } from 'stream';
import { WebSocketServer } from 'ws';
import { contextFromHeaders, notFound, toAppError } from '@genaug/kernel';
import { SocketConnection, type SocketTurns } from './socket-connection';

const PATH = '/v1/responses';
/** Messages past the body limit are refused with a 413 event; frames this far past it end the connection. */
const FRAME_SLACK_BYTES = 1024 * 1024;

export interface SocketServerOptions {
  bodyLimitBytes: number;
  /** How long one connection lives: the specification's WebSocket mode closes it after 60 minutes. */
  lifetimeMs: number;
  /** The turns of a connection upgraded with these headers; throws (401, 403) to refuse it. */
  open(headers: IncomingHttpHeaders): Promise<SocketTurns>;
}

/**
 * WebSocket mode of /v1/responses on an HTTP server (the specification's
 * `x-openresponses-websocket`): a client upgrades GET /v1/responses and sends response.create
 * events. An upgrade is refused in our HTTP error shape (401, 403, 404) before any socket opens.
 * The server and `genaug mock` each say what a connection's turns are.
 */
export class ResponsesSocketServer {
  private readonly sockets: WebSocketServer;
  private readonly connections = new Set<SocketConnection>();

  constructor(
    http: Server,
    private readonly options: SocketServerOptions,
  ) {
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: options.bodyLimitBytes + FRAME_SLACK_BYTES });
    // The upgrade's answer carries its request id, as every HTTP answer does.
    this.sockets.on('headers', (headers: string[], req: IncomingMessage & { genaugRequestId?: string }) => headers.push(`X-Request-ID: ${req.genaugRequestId}`));
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(req, socket, head));
  }

  /** Lets every connection's turns end, then closes it (1001). */
  async stop(): Promise<void> {
    await Promise.all([...this.connections].map((c) => c.stop()));
    this.sockets.close();
  }

  private async upgrade(req: IncomingMessage & { genaugRequestId?: string }, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const ctx = contextFromHeaders(req.headers);
    req.genaugRequestId = ctx.requestId;
    try {
      if ((req.url ?? '').split('?')[0] !== PATH) throw notFound('WebSocket route');
      const turns = await this.options.open(req.headers);
      this.sockets.handleUpgrade(req, socket, head, (ws) => {
        const connection = new SocketConnection(ws, req.headers, turns, this.options);
        this.connections.add(connection);
        ws.on('close', () => this.connections.delete(connection));
      });
    } catch (err) {
      refuse(socket, err, ctx.requestId);
    }
  }
}

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
