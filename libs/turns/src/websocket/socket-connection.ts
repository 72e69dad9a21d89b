import type { WebSocket } from 'ws';
import { AppError, contextFromHeaders, logger, type RequestContext } from '@genaug/kernel';
import type { ResponseStreamEvent } from '@genaug/responses';
import { createBodyOf, socketError } from './socket-events';

/** A turn started for a response.create event: its events as they happen, then how it ended. */
export interface SocketTurn {
  responseId: string;
  turn: AsyncGenerator<ResponseStreamEvent, { failure: unknown; httpStatus: number }>;
}

/** What a connection's events start: the server's turns, or the mock's. */
export interface SocketTurns {
  /**
   * Starts the turn of a create body (the key checked again, the request counted as over HTTP);
   * `unstoredPrevious` is the connection's last response, continuable even when not stored.
   */
  start(body: Record<string, unknown>, ctx: RequestContext, unstoredPrevious: string | null): Promise<SocketTurn>;
}

/** At most this many response.create events wait behind the running one; more are refused. */
const MAX_WAITING = 16;
/** A connection that answers no ping for this long is gone. */
const PING_MS = 30_000;

/**
 * One WebSocket connection to /v1/responses. Its response.create events run one at a time, in
 * the order sent, each streamed as the same events an HTTP stream carries, one per message. A
 * turn whose client leaves still ends and is stored. The last response the connection made can
 * be continued with previous_response_id even when it was not stored; a failed request forgets
 * it. The connection ends after its lifetime, once no turn runs on it.
 */
export class SocketConnection {
  private queue: Promise<void> = Promise.resolve();
  private waiting = 0;
  private running = false;
  /** The last response made here, continuable when not stored; null after a failed request. */
  private latest: string | null = null;
  private expired = false;
  private stopping = false;
  private alive = true;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly socket: WebSocket,
    private readonly headers: Record<string, unknown>,
    private readonly turns: SocketTurns,
    private readonly limits: { bodyLimitBytes: number; lifetimeMs: number },
  ) {
    socket.on('message', (data: Buffer, isBinary: boolean) => this.received(data, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.timers.forEach(clearTimeout));
    const lifetime = setTimeout(() => this.expire(), limits.lifetimeMs);
    const ping = setInterval(() => {
      if (!this.alive) return socket.terminate();
      this.alive = false;
      socket.ping();
    }, PING_MS);
    lifetime.unref();
    ping.unref();
    this.timers.push(lifetime, ping);
  }

  /** Takes no more events; closes once the running and waiting turns have ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.queue;
    this.close(1001, 'The server is shutting down');
  }

  private received(data: Buffer, isBinary: boolean): void {
    if (this.stopping) return this.send(socketError(new AppError(503, 'service_unavailable', 'The server is shutting down: open a new connection', { type: 'server_error' })));
    if (this.waiting >= MAX_WAITING) {
      return this.send(socketError(new AppError(429, 'too_many_waiting', `At most ${MAX_WAITING} response.create events wait on one connection: wait for a response to end`)));
    }
    this.waiting++;
    this.queue = this.queue.then(async () => {
      this.waiting--;
      this.running = true;
      try {
        await this.respond(data, isBinary);
      } catch (err) {
        this.latest = null;
        this.send(socketError(err));
      } finally {
        this.running = false;
        if (this.expired && this.waiting === 0) this.endLifetime();
      }
    });
  }

  private async respond(data: Buffer, isBinary: boolean): Promise<void> {
    if (this.expired) throw connectionLimitReached();
    const body = createBodyOf(data, isBinary, this.limits.bodyLimitBytes);
    // Each event is a request of its own: its own request id; the connection's trace continued.
    const ctx = contextFromHeaders({ 'user-agent': this.headers['user-agent'], traceparent: this.headers.traceparent });
    const { responseId, turn } = await this.turns.start(body, ctx, this.latest);
    let sequence = -1;
    // A failed turn's error event goes out with its HTTP status, known once its outcome is: it
    // and the events after it wait for that.
    let held: ResponseStreamEvent[] | null = null;
    let outcome: { failure: unknown; httpStatus: number };
    try {
      for (let r = await turn.next(); ; r = await turn.next()) {
        if (r.done) {
          outcome = r.value;
          break;
        }
        sequence = r.value.sequence_number;
        if (held || r.value.type === 'error') (held ??= []).push(r.value);
        else this.send(r.value);
      }
    } catch (err) {
      // The outcome could not be recorded here (the database failed, or another runner took the
      // turn over): the client is told so; the connection stays open for the next turn.
      this.latest = null;
      this.send(socketError(err, sequence + 1));
      return;
    }
    for (const event of held ?? []) this.send(event.type === 'error' ? { ...event, status: outcome.httpStatus } : event);
    this.latest = outcome.failure ? null : responseId;
  }

  private expire(): void {
    this.expired = true;
    if (!this.running && this.waiting === 0) this.endLifetime();
  }

  private endLifetime(): void {
    this.send(socketError(connectionLimitReached()));
    this.close(1000, 'Connection lifetime reached');
  }

  private send(event: object): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(event), (err) => {
      if (err) logger.debug({ err: err.message }, 'websocket send failed: the client left');
    });
  }

  private close(code: number, reason: string): void {
    this.timers.forEach(clearTimeout);
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) this.socket.close(code, reason);
  }
}

const connectionLimitReached = () =>
  new AppError(400, 'websocket_connection_limit_reached', 'This connection has reached its lifetime: open a new connection to continue');
