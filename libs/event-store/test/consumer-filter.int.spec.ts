import { Consumer, consumerLag, EventNotifier, EventStore, loadCheckpoint, SubscriptionHost, type StoredEvent } from '@genaug/event-store';
import { waitUntil } from './support/read-model';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { ENTRY_RECORDED, entry, note } from '../../../test/support/fixtures/sample-events';

/**
 * A consumer that reads some event types must still move its checkpoint over all the
 * others: otherwise it rereads them forever, and its lag never reaches zero.
 */
describe('a consumer filtered by event type', () => {
  let db: TestDatabase;
  let store: EventStore;
  const seen: StoredEvent[] = [];
  const reactor = { name: 'entries-only', types: [ENTRY_RECORDED], react: async (events: StoredEvent[]) => void seen.push(...events) };

  beforeAll(async () => {
    db = await createTestDatabase('consumer_filter');
    store = new EventStore(db.pool);
  });
  afterAll(() => db.drop());

  it('gets only its types, and its checkpoint passes the events it does not want', async () => {
    await store.append('ledger-1', [entry(0, 1), note('a'), note('b'), entry(0, 2)]);
    // Whole batches (of 5) with nothing for it, and the log ends with an event it skips.
    await store.append('notes', Array.from({ length: 23 }, (_, i) => note(`n${i}`)));
    await store.append('ledger-1', [entry(0, 3)]);
    const last = await store.append('notes', [note('last')]);

    const consumer = new Consumer(db.pool, { kind: 'reactor', reactor }, null, { batchSize: 5 });
    const handled = await consumer.catchUp();

    expect(seen.map((e) => [e.type, e.data.n])).toEqual([
      [ENTRY_RECORDED, 1],
      [ENTRY_RECORDED, 2],
      [ENTRY_RECORDED, 3],
    ]);
    expect(handled).toBe(3);
    expect((await loadCheckpoint(db.pool, 'entries-only')).globalPosition).toBe(last.lastPosition);
    expect((await consumerLag(db.pool, 'entries-only', [ENTRY_RECORDED])).lagEvents).toBe(0);
    // Nothing is handed over twice on the next round.
    expect(await consumer.catchUp()).toBe(0);
    expect(seen).toHaveLength(3);
  });

  it('running, passes what it does not want without a commit each time, and stores the position when it stops', async () => {
    const notifier = new EventNotifier({ connectionString: db.url });
    await notifier.start();
    const host = new SubscriptionHost(db.pool, notifier, { idleCheckpointMs: 60_000 });
    const quiet = { name: 'entries-quiet', types: [ENTRY_RECORDED], react: async () => undefined };
    host.addReactor(quiet);
    host.start();
    try {
      await waitUntil('the consumer is active', () => host.handledThrough('entries-quiet') !== null, 10_000);
      const stored = await loadCheckpoint(db.pool, 'entries-quiet');
      let last = 0;
      for (let i = 0; i < 5; i++) last = (await store.append('notes', [note(`quiet ${i}`)])).lastPosition;
      await waitUntil('the consumer has passed the notes', () => host.handledThrough('entries-quiet')?.globalPosition === last, 10_000);
      expect(await loadCheckpoint(db.pool, 'entries-quiet')).toEqual(stored);
    } finally {
      await host.stop();
      await notifier.stop();
    }
    expect((await loadCheckpoint(db.pool, 'entries-quiet')).globalPosition).toBe(
      Number((await db.pool.query('select max(global_position) as p from genaug_events')).rows[0].p),
    );
  });

  it('reports lag in its own types only', async () => {
    await store.append('notes', [note('x'), note('y')]);
    await store.append('ledger-2', [entry(0, 4)]);
    const host = new SubscriptionHost(db.pool, null);
    host.addReactor(reactor);
    const [state] = await host.states();
    expect(state).toMatchObject({ name: 'entries-only', kind: 'reactor', lagEvents: 1, status: 'not_running', active: false });
  });

  it('hands a reactor only the events it accepts, and passes the others', async () => {
    const got: number[] = [];
    const evens = {
      name: 'even-entries',
      types: [ENTRY_RECORDED],
      accepts: (e: StoredEvent) => e.data.n % 2 === 0,
      react: async (events: StoredEvent[]) => void got.push(...events.map((e) => e.data.n)),
    };
    const last = await store.append('ledger-even', [entry(5, 10), entry(5, 11), entry(5, 12), entry(5, 13)]);
    const consumer = new Consumer(db.pool, { kind: 'reactor', reactor: evens }, null, { batchSize: 3 });
    await consumer.catchUp();
    expect(got.filter((n) => n >= 10)).toEqual([10, 12]);
    expect((await loadCheckpoint(db.pool, 'even-entries')).globalPosition).toBe(last.lastPosition);
  });
});
