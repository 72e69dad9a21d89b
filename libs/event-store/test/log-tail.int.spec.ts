import { EventNotifier, EventStore, LogTail, LOG_START, readAllVisible, type LogPosition } from '@genaug/event-store';
import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { ENTRY_RECORDED, entry, note } from '../../../test/support/fixtures/sample-events';
import { waitUntil } from './support/read-model';

/**
 * The log tail: the recent end of the log, read once per process for every consumer in it.
 * It must hold every visible event after where it started, in order, and nothing invisible.
 */
describe('the log tail', () => {
  let db: TestDatabase;
  let store: EventStore;
  let notifier: EventNotifier;

  const logEnd = async (): Promise<LogPosition> => {
    let position = LOG_START;
    for (;;) {
      const read = await readAllVisible(db.pool, { after: position, limit: 1000 });
      position = read.position;
      if (read.scanned < 1000) return position;
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('log_tail');
    store = new EventStore(db.pool);
    notifier = new EventNotifier({ connectionString: db.url });
    await notifier.start();
  });
  afterAll(async () => {
    await notifier.stop();
    await db.drop();
  });

  it('holds what was appended after its start, in order, filtered on request', async () => {
    await store.append('before', [note('not in the tail')]);
    const tail = new LogTail(db.pool, notifier);
    tail.start();
    try {
      const start = await logEnd();
      expect(tail.readAfter(start, 100)).toBeNull();
      tail.seed(start);
      await store.append('tail-1', [entry(1, 1), note('x')]);
      await store.append('tail-2', [entry(2, 1)]);
      await waitUntil('the tail has three events', () => (tail.readAfter(start, 100)?.events.length ?? 0) === 3, 10_000);

      const all = tail.readAfter(start, 100)!;
      expect(all.events.map((e) => [e.streamId, e.type])).toEqual([
        ['tail-1', ENTRY_RECORDED],
        ['tail-1', 'NoteAdded'],
        ['tail-2', ENTRY_RECORDED],
      ]);
      expect(all.more).toBe(false);
      // A limit cuts the scan; a type filter keeps the position moving past what it leaves out.
      const first = tail.readAfter(start, 2, [ENTRY_RECORDED])!;
      expect(first.events.map((e) => e.streamId)).toEqual(['tail-1']);
      expect(first.position.globalPosition).toBe(all.events[1].globalPosition);
      expect(first.more).toBe(true);
      const rest = tail.readAfter(first.position, 2, [ENTRY_RECORDED])!;
      expect(rest.events.map((e) => e.streamId)).toEqual(['tail-2']);
      expect(tail.readAfter(rest.position, 2)).toEqual({ events: [], position: rest.position, more: false });
    } finally {
      await tail.stop();
    }
  });

  it('gives up the oldest events past its size, and a consumer that far behind reads the table', async () => {
    const tail = new LogTail(db.pool, notifier, { maxEvents: 5, readLimit: 4 });
    tail.start();
    try {
      const start = await logEnd();
      tail.seed(start);
      let last = 0;
      for (let i = 0; i < 12; i++) last = (await store.append('tail-trim', [entry(3, i)])).lastPosition;
      const events = await db.pool.query(
        `select transaction_id::text as tx, global_position from genaug_events where stream_id = 'tail-trim' order by global_position`,
      );
      const seventh = { transactionId: events.rows[6].tx, globalPosition: Number(events.rows[6].global_position) };
      await waitUntil('the tail holds the last event', () => tail.readAfter(seventh, 100)?.events.at(-1)?.globalPosition === last, 10_000);
      expect(tail.readAfter(start, 100)).toBeNull();
      const kept = tail.readAfter(seventh, 100)!;
      expect(kept.events.map((e) => e.data.n)).toEqual([7, 8, 9, 10, 11]);
    } finally {
      await tail.stop();
    }
  });

  it('finds events an older open transaction hid, when that transaction ends without a notification', async () => {
    const tail = new LogTail(db.pool, notifier, { heldRetryMs: 5 });
    tail.start();
    const holder = await db.pool.connect();
    try {
      const start = await logEnd();
      tail.seed(start);
      // An open transaction with an id (another consumer's batch, say): events committed after it
      // stay invisible until it ends, and its end sends no notification.
      await holder.query('begin');
      await holder.query('select pg_current_xact_id()');
      const hidden = await store.append('tail-held', [entry(4, 1)]);
      await new Promise((r) => setTimeout(r, 100));
      expect(tail.readAfter(start, 100)?.events ?? []).toEqual([]);
      await holder.query('commit');
      await waitUntil(
        'the tail has the hidden event',
        () => tail.readAfter(start, 100)?.events.some((e) => e.globalPosition === hidden.lastPosition) ?? false,
        10_000,
      );
    } finally {
      holder.release();
      await tail.stop();
    }
  });

  it('reads at most once per interval however many appends wake it, and misses none of them', async () => {
    let reads = 0;
    // The pool itself, counting the tail's queries on their way to it.
    const counted = new Proxy(db.pool, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver);
        return (config: any, ...rest: any[]) => {
          if (config?.name === 'genaug_log_tail') reads++;
          return (target.query as any)(config, ...rest);
        };
      },
    });
    const tail = new LogTail(counted, notifier, { minReadIntervalMs: 200 });
    tail.start();
    try {
      const start = await logEnd();
      tail.seed(start);
      await waitUntil('the first read', () => reads === 1, 10_000);
      const started = Date.now();
      for (let i = 0; i < 20; i++) await store.append(`tail-spaced-${i}`, [entry(5, i)]);
      await waitUntil('the tail has all 20 events', () => (tail.readAfter(start, 100)?.events.length ?? 0) === 20, 10_000);
      // Twenty notifications, but reads no closer together than the interval.
      expect(reads - 1).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 200) + 1);
      expect(reads - 1).toBeLessThan(20);
    } finally {
      await tail.stop();
    }
  });

  it('reads the log through its index however long it grows under the plans a session keeps', async () => {
    await db.pool.query('analyze genaug_events');
    // One session, whose prepared statements keep one plan for any position from their first run
    // (as they do after a few runs): the plan is made while the log is short, as in a new deployment.
    const session = new Pool({ connectionString: db.url, max: 1, options: '-c plan_cache_mode=force_generic_plan' });
    const tail = new LogTail(session, notifier);
    tail.start();
    try {
      const start = await logEnd();
      tail.seed(start);
      await store.append('short-log', [note('while the log is short')]);
      await waitUntil('the tail has the first event', () => (tail.readAfter(start, 100)?.events.length ?? 0) === 1, 10_000);
      // A consumer behind the tail reads the log itself, on a plan of its own.
      expect((await readAllVisible(session, { after: start, limit: 100 })).events).toHaveLength(1);
      await db.pool.query(
        `insert into genaug_events (stream_id, stream_version, event_id, type, data, hash)
         select 'long-' || i, 1, gen_random_uuid(), 'NoteAdded', '{"text":"earlier"}', '\\x00'::bytea from generate_series(1, 20000) i`,
      );
      await store.append('long-log', [note('after the log grew')]);
      const end = await logEnd();
      await waitUntil('the tail has read to the end of the log', () => tail.readAfter(end, 1) !== null, 10_000);

      // Counts a session has not yet reported accumulate until it does, never inside a transaction.
      const scans = async () =>
        (await session.query(`select seq_scan::int as seq, idx_scan::int as idx from pg_stat_xact_user_tables where relname = 'genaug_events'`))
          .rows[0];
      await session.query('begin');
      const before = await scans();
      await session.query(`execute genaug_log_tail('${end.transactionId}', ${end.globalPosition}, 2000)`);
      expect((await readAllVisible(session, { after: start, limit: 100 })).events).toHaveLength(100);
      const after = await scans();
      await session.query('commit');
      // Reading the whole log on every wake-up would cost more the longer the log grows.
      expect(after.seq - before.seq).toBe(0);
      expect(after.idx - before.idx).toBeGreaterThan(0);
    } finally {
      await tail.stop();
      await session.end();
    }
  });
});
