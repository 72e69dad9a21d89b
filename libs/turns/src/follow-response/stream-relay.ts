import { randomUUID } from 'crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { logger } from '@genaug/kernel';
import { EventNotifier, PG_POOL } from '@genaug/event-store';
import type { ResponseStreamEvent } from '@genaug/responses';
import { PieceAssembler, pieceResponseId, toPieces } from './relay-pieces';

/** Where a follower asks for a response's stream: `<responseId> <after>`. */
const ASKS = 'genaug_stream_asks';
/** Where the runner of a followed response tells its events, in pieces (see relay-pieces). */
const EVENTS = 'genaug_stream_events';
/** Deltas arriving together are told in one notification. */
const GATHER_MS = 20;

/** Events of a response, from the runner of one attempt of it. */
export interface RelayedEvents {
  /** The telling runner's own id: an attempt run again elsewhere numbers its events anew. */
  relay: string;
  events: ResponseStreamEvent[];
}

interface Telling {
  relay: string;
  told: ResponseStreamEvent[];
  followed: boolean;
  pending: ResponseStreamEvent[];
  timer: NodeJS.Timeout | null;
  sent: Promise<void>;
}

/**
 * The live streams of background responses, between the process running a turn and those
 * following it (GET /v1/responses/{id}?stream=true), wherever each runs. A runner keeps the
 * events its turn has produced; asked for them, it tells those after the asker's last one, then
 * every new one as it comes, until the turn ends. Nothing is told while no one follows.
 * Notifications are not kept: a follower that hears nothing for a while asks again, and reads
 * the stored response once the turn has ended.
 */
@Injectable()
export class StreamRelay {
  private readonly running = new Map<string, Telling>();
  private readonly followers = new Map<string, Set<(message: RelayedEvents | null) => void>>();
  private readonly assembler = new PieceAssembler();

  constructor(
    notifier: EventNotifier,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {
    notifier.onChannel(ASKS, (ask) => ask !== null && this.asked(ask));
    notifier.onChannel(EVENTS, (piece) => (piece === null ? this.lost() : this.heard(piece)));
  }

  /** A turn this process runs, whose events `tell` receives until `close`. */
  open(responseId: string): { tell: (event: ResponseStreamEvent) => void; close: () => void } {
    const telling: Telling = { relay: randomUUID(), told: [], followed: false, pending: [], timer: null, sent: Promise.resolve() };
    this.running.set(responseId, telling);
    return {
      tell: (event) => {
        telling.told.push(event);
        if (!telling.followed) return;
        telling.pending.push(event);
        telling.timer ??= setTimeout(() => this.flush(responseId, telling), GATHER_MS);
      },
      close: () => {
        this.flush(responseId, telling);
        void telling.sent.then(() => this.running.get(responseId) === telling && this.running.delete(responseId));
      },
    };
  }

  /** Follows a response's stream: `listener` hears its events, or null when some may have been lost. */
  follow(responseId: string, listener: (message: RelayedEvents | null) => void): () => void {
    let listeners = this.followers.get(responseId);
    if (!listeners) this.followers.set(responseId, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (!listeners.size && this.followers.get(responseId) === listeners) this.followers.delete(responseId);
    };
  }

  /** Asks the response's runner, wherever it is, for its events after sequence number `after`. */
  async ask(responseId: string, after: number): Promise<void> {
    await this.pool.query('select pg_notify($1, $2)', [ASKS, `${responseId} ${after}`]).catch((err) => {
      logger.warn({ response_id: responseId, err: (err as Error).message }, 'a response stream could not be asked for');
    });
  }

  private asked(ask: string): void {
    const [responseId, after] = ask.split(' ');
    const telling = this.running.get(responseId);
    if (!telling) return;
    telling.followed = true;
    const events = telling.told.filter((e) => e.sequence_number > Number(after));
    if (events.length) this.send(responseId, telling, events);
  }

  private flush(responseId: string, telling: Telling): void {
    if (telling.timer) clearTimeout(telling.timer);
    telling.timer = null;
    if (!telling.pending.length) return;
    this.send(responseId, telling, telling.pending);
    telling.pending = [];
  }

  /** In order: each message's notifications are committed after the one before. */
  private send(responseId: string, telling: Telling, events: ResponseStreamEvent[]): void {
    const pieces = toPieces(responseId, JSON.stringify({ relay: telling.relay, events }));
    telling.sent = telling.sent.then(() =>
      this.pool
        .query('select pg_notify($1, piece) from unnest($2::text[]) as piece', [EVENTS, pieces])
        .then(() => undefined)
        .catch((err) => logger.warn({ response_id: responseId, err: (err as Error).message }, 'a response stream could not be told')),
    );
  }

  private heard(piece: string): void {
    const listeners = this.followers.get(pieceResponseId(piece));
    if (!listeners) return;
    const message = this.assembler.add(piece);
    if (message === null) return;
    const relayed = JSON.parse(message) as RelayedEvents;
    listeners.forEach((listener) => listener(relayed));
  }

  private lost(): void {
    this.assembler.reset();
    for (const listeners of this.followers.values()) listeners.forEach((listener) => listener(null));
  }
}
