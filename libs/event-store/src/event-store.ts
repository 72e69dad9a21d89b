import type { Pool, PoolClient } from 'pg';
import { BatchedCalls, newUuid } from '@genaug/kernel';
import { validateEvent } from './event-schemas';
import {
  WrongExpectedVersionError,
  type ExpectedVersion,
  type LogPosition,
  type NewEvent,
  type StoredEvent,
} from './events';

export interface AppendResult {
  nextVersion: number;
  firstPosition: number;
  lastPosition: number;
}

export interface AppendOptions {
  expectedVersion?: ExpectedVersion;
  /**
   * Run inside a caller's transaction (the append then commits with it). If that transaction
   * wrote before and a newer one has appended to the stream since, the append fails with a
   * serialization failure (40001) and the caller retries the transaction: consumers read in
   * transaction order, so a stream's versions must follow it.
   */
  client?: PoolClient;
  /**
   * `deferred`: the commit does not wait for the disk flush; the events are visible at once
   * and become durable with the caller's next durable append (the WAL flushes in order).
   * Only for events a durable append will follow before anyone is answered.
   */
  flush?: 'durable' | 'deferred';
}

export interface StreamAppend {
  streamId: string;
  events: NewEvent[];
  expectedVersion?: ExpectedVersion;
}

export interface MultiAppendResult extends AppendResult {
  streamId: string;
  transactionId: string;
}

export interface ReadStreamOptions {
  /** Inclusive version to start from; defaults to the first (forwards) or last (backwards). */
  fromVersion?: number;
  direction?: 'forwards' | 'backwards';
  limit?: number;
}

export interface ReadAllOptions {
  after?: LogPosition;
  limit?: number;
  types?: string[];
}

export interface ReadAllResult {
  events: StoredEvent[];
  /** Where the scan ended, also past events the type filter left out. */
  position: LogPosition;
  /** Events scanned, wanted or not: fewer than the limit means the visible end was reached. */
  scanned: number;
}

/** An append as the append functions take it. */
interface PendingAppend {
  stream: string;
  expected: number;
  events: ReturnType<typeof encodeEvents>['payload'];
  project: string | null;
}

interface AppendRow {
  ok: boolean;
  actual_version: string | null;
  next_version: string | null;
  first_position: string | null;
  last_position: string | null;
}

/** An append of a round that failed on its own, for its caller to throw. */
class AppendFailure {
  constructor(readonly error: unknown) {}
}

const encodeExpected = (e: ExpectedVersion): number =>
  e === 'any' ? -1 : e === 'no_stream' ? -2 : e === 'stream_exists' ? -3 : e;

const SERIALIZATION_FAILURE = '40001';
const MANY_ATTEMPTS = 5;

// Least time between two NOTIFYs sent after commits: under load one wakes consumers for many appends.
const WAKE_SPACING_MS = 2;

// Named statements: parsed and planned once per connection.
const APPEND_RESULT = 'select ok, actual_version, next_version, first_position, last_position from';

export const COLUMNS = `global_position, transaction_id::text as transaction_id, stream_id, stream_version, event_id, type,
  schema_version, data, metadata, project_id, recorded_at, encode(hash, 'hex') as hash`;

/** Validates events and shapes them as the append functions take them. */
function encodeEvents(events: NewEvent[]) {
  if (events.length === 0) throw new Error('append needs at least one event');
  for (const e of events) validateEvent(e);
  const projectId = events.find((e) => e.metadata?.project_id)?.metadata?.project_id ?? null;
  const payload = events.map((e) => ({
    event_id: e.eventId ?? newUuid(),
    type: e.type,
    schema_version: e.schemaVersion ?? 1,
    data: e.data,
    metadata: e.metadata ?? {},
  }));
  return { payload, projectId };
}

export function toStoredEvent(r: any): StoredEvent {
  return {
    globalPosition: Number(r.global_position),
    transactionId: String(r.transaction_id),
    streamId: r.stream_id,
    streamVersion: Number(r.stream_version),
    eventId: r.event_id,
    type: r.type,
    schemaVersion: r.schema_version,
    data: r.data,
    metadata: r.metadata,
    projectId: r.project_id,
    recordedAt: r.recorded_at,
    hash: r.hash,
  };
}

/** The PostgreSQL event store: append with optimistic concurrency, read streams and the global log. */
export class EventStore {
  constructor(readonly pool: Pool) {}

  // Appends made while a round of them runs go together in the next: one transaction, commit and
  // round trip for many turns under load, none added to a lone append.
  private readonly rounds = {
    durable: new BatchedCalls<PendingAppend, AppendRow | AppendFailure>((appends) => this.appendRound(appends, false)),
    deferred: new BatchedCalls<PendingAppend, AppendRow | AppendFailure>((appends) => this.appendRound(appends, true)),
  };

  async append(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const { payload, projectId } = encodeEvents(events);
    const expected = options.expectedVersion ?? 'any';
    const pending: PendingAppend = { stream: streamId, expected: encodeExpected(expected), events: payload, project: projectId };
    const row = options.client
      ? await this.appendAlone(options.client, pending, options.flush === 'deferred', true)
      : await this.rounds[options.flush === 'deferred' ? 'deferred' : 'durable'].call(pending);
    if (row instanceof AppendFailure) throw row.error;
    if (!row.ok) throw new WrongExpectedVersionError(streamId, expected, Number(row.actual_version));
    return {
      nextVersion: Number(row.next_version),
      firstPosition: Number(row.first_position),
      lastPosition: Number(row.last_position),
    };
  }

  /**
   * One append in a transaction of its own, or of the caller's (`runner` a client in one). The
   * NOTIFY that wakes consumers (see p_notify in genaug_append) is sent from inside by an append
   * in a caller's transaction (it comes with that commit) and by a deferred one (its commit
   * waits for no disk); otherwise after the commit, coalesced.
   */
  private async appendAlone(runner: Pool | PoolClient, a: PendingAppend, deferred: boolean, inCallerTransaction = false): Promise<AppendRow> {
    const values = [a.stream, a.expected, JSON.stringify(a.events), a.project];
    const notifyInside = inCallerTransaction || deferred;
    const res = await runner.query<AppendRow>(
      deferred
        ? { name: 'genaug_append_deferred', text: `${APPEND_RESULT} genaug_append_deferred($1, $2, $3, $4)`, values }
        : { name: 'genaug_append', text: `${APPEND_RESULT} genaug_append($1, $2, $3, $4, $5)`, values: [...values, notifyInside] },
    );
    if (!notifyInside) this.wakeConsumers();
    return res.rows[0];
  }

  /**
   * A round of appends from concurrent callers: one alone as ever; several in one transaction
   * (genaug_append_batch), sorted by stream so rounds lock streams in one order. When the round
   * fails on the server (its transaction rolled back: nothing was written), each append is made
   * alone, so only the one at fault fails.
   */
  private async appendRound(appends: PendingAppend[], deferred: boolean): Promise<Array<AppendRow | AppendFailure>> {
    if (appends.length === 1) return [await this.appendAlone(this.pool, appends[0], deferred)];
    const order = appends.map((_, i) => i).sort((x, y) => (appends[x].stream < appends[y].stream ? -1 : appends[x].stream > appends[y].stream ? 1 : x - y));
    let res;
    try {
      res = await this.pool.query<AppendRow & { idx: number }>({
        name: 'genaug_append_batch',
        text: 'select idx, ok, actual_version, next_version, first_position, last_position from genaug_append_batch($1, $2)',
        values: [JSON.stringify(order.map((i) => appends[i])), deferred],
      });
    } catch (err) {
      if (!(err as { code?: string }).code) throw err;
      return Promise.all(appends.map((a) => this.appendAlone(this.pool, a, deferred).catch((e: unknown) => new AppendFailure(e))));
    }
    if (!deferred) this.wakeConsumers();
    const rows: AppendRow[] = new Array(appends.length);
    for (const r of res.rows) rows[order[r.idx]] = r;
    return rows;
  }

  /**
   * Appends to several streams atomically in one round trip (each with its expected version):
   * all commit, or none do and the first mismatch is thrown as WrongExpectedVersionError.
   * `flush` as for `append`.
   */
  async appendMany(appends: StreamAppend[], options: Pick<AppendOptions, 'flush'> = {}): Promise<MultiAppendResult[]> {
    const deferred = options.flush === 'deferred';
    const body = appends.map((a) => {
      const { payload, projectId } = encodeEvents(a.events);
      return { stream: a.streamId, expected: encodeExpected(a.expectedVersion ?? 'any'), events: payload, project: projectId };
    });
    let res;
    for (let attempt = 1; ; attempt++) {
      try {
        res = await this.pool.query({
          name: 'genaug_append_many',
          text: 'select stream, next_version, first_position, last_position, transaction_id from genaug_append_many($1, $2, $3)',
          // A deferred commit waits for no disk, so its NOTIFY goes from inside, with it.
          values: [JSON.stringify(body), deferred, deferred],
        });
        break;
      } catch (err) {
        const e = err as { code?: string; detail?: string };
        // A later stream of the batch was appended to by a newer transaction after this one got its
        // id (genaug_append): nothing was committed, and a new transaction gets a newer id.
        if (e.code === SERIALIZATION_FAILURE && attempt < MANY_ATTEMPTS) continue;
        if (e.code !== 'GAW01') throw err;
        const { stream, actual } = JSON.parse(e.detail ?? '{}');
        const failed = appends.find((a) => a.streamId === stream);
        throw new WrongExpectedVersionError(stream, failed?.expectedVersion ?? 'any', Number(actual));
      }
    }
    if (!deferred) this.wakeConsumers();
    return res.rows.map((r) => ({
      streamId: r.stream,
      nextVersion: Number(r.next_version),
      firstPosition: Number(r.first_position),
      lastPosition: Number(r.last_position),
      transactionId: r.transaction_id,
    }));
  }

  private wakeInFlight = false;
  private wakePending = false;
  private lastWakeAt = 0;

  /**
   * Sends the NOTIFY for appends that committed without one: one at a time, and one more after
   * it when more such appends committed meanwhile, so each append is followed by a wake-up.
   */
  private wakeConsumers(): void {
    if (this.wakeInFlight) {
      this.wakePending = true;
      return;
    }
    this.wakeInFlight = true;
    this.wakePending = false;
    const send = () => {
      this.lastWakeAt = Date.now();
      this.pool
        .query("select pg_notify('genaug_events', '')")
        // A lost wake-up only delays consumers until they poll.
        .catch(() => undefined)
        .finally(() => {
          this.wakeInFlight = false;
          if (this.wakePending) this.wakeConsumers();
        });
    };
    const wait = this.lastWakeAt + WAKE_SPACING_MS - Date.now();
    if (wait > 0) setTimeout(send, wait);
    else send();
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromVersion ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    const res = await this.pool.query(
      `select ${COLUMNS} from genaug_events where stream_id = $1 and stream_version ${backwards ? '<=' : '>='} $2
       order by stream_version ${backwards ? 'desc' : 'asc'} limit $3`,
      [streamId, from, options.limit ?? 1_000_000],
    );
    return res.rows.map(toStoredEvent);
  }

  /** The stream's current version: 0 when it has no events. */
  async streamVersion(streamId: string): Promise<number> {
    const res = await this.pool.query('select version from genaug_streams where stream_id = $1', [streamId]);
    return res.rowCount ? Number(res.rows[0].version) : 0;
  }

  /**
   * Reads the global log after a position, in (transaction id, position) order, returning only
   * events whose transaction is older than every transaction still running: sequence values
   * commit out of order, and this is what guarantees no event is ever skipped.
   */
  async readAll(options: ReadAllOptions = {}, client?: PoolClient): Promise<ReadAllResult> {
    return readAllVisible(client ?? this.pool, options);
  }
}

export async function readAllVisible(runner: Pool | PoolClient, options: ReadAllOptions): Promise<ReadAllResult> {
  const after = options.after ?? { transactionId: '0', globalPosition: 0 };
  const limit = options.limit ?? 1000;
  const types = options.types && options.types.length ? options.types : null;
  // One index scan over the next `limit` visible events (sql/007-log-reads.sql). The type filter
  // applies inside that window, so the checkpoint moves past events the consumer does not want;
  // their payloads are left in the table rather than sent.
  const res = await runner.query({
    name: 'genaug_read_all',
    text: 'select * from genaug_read_all($1, $2, $3, $4)',
    values: [after.transactionId, after.globalPosition, limit, types],
  });
  const last = res.rows[res.rows.length - 1];
  const position = last ? { transactionId: String(last.transaction_id), globalPosition: Number(last.global_position) } : after;
  const events: StoredEvent[] = [];
  for (const r of res.rows) if (r.wanted) events.push(toStoredEvent(r));
  return { events, position, scanned: res.rows.length };
}
