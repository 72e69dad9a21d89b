import type { Pool, PoolClient } from 'pg';
import { consumerLag, createPool, EventNotifier, EventStore, SubscriptionHost } from '@genaug/event-store';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { appliedEventsProjection } from '../../../test/support/fixtures/applied-events.projection';
import { entry } from '../../../test/support/fixtures/sample-events';
import { appliedCounts, missingEvents, streamsOutOfOrder, waitUntil } from './support/read-model';

const WRITERS = 16;
const EVENTS_PER_WRITER = 500;
// Few streams for many writers: appends to one stream contend for it, as they do in production.
const STREAMS = 16;

/**
 * Sequence values commit out of order: a consumer reading by position alone would pass over
 * an event whose transaction commits late. Here every append is its own transaction that
 * lingers before commit, and one stays open for two seconds while thousands commit after it.
 */
describe('a consumer under concurrent writers', () => {
  let db: TestDatabase;
  let writers: Pool;
  let notifier: EventNotifier;
  let host: SubscriptionHost;
  let batches = 0;

  beforeAll(async () => {
    db = await createTestDatabase('no_skip');
    writers = createPool(db.url, { max: WRITERS + 2 });
    notifier = new EventNotifier({ connectionString: db.url });
    await notifier.start();
    host = new SubscriptionHost(db.pool, notifier, { batchSize: 200, pollMs: 1000, onBatch: () => batches++ });
    host.addProjection(appliedEventsProjection('ledger-applied', 'ledger_applied'));
    await host.setup();
    host.start();
  });

  afterAll(async () => {
    await host.stop();
    await notifier.stop();
    await writers.end();
    await db.drop();
  });

  const total = WRITERS * EVENTS_PER_WRITER + 1;

  beforeAll(async () => {
    const store = new EventStore(writers);

    // The long transaction appends first, so its transaction id is older than nearly all others.
    const held = await writers.connect();
    await held.query('begin');
    await store.append('ledger-held', [entry(-1, 0)], { client: held });
    const heldCommit = (async () => {
      await held.query('select pg_sleep(2)');
      await held.query('commit');
      held.release();
    })();

    const writer = async (w: number) => {
      const client = await writers.connect();
      try {
        for (let n = 0; n < EVENTS_PER_WRITER; n++) {
          const stream = `ledger-${(w * 31 + n * 7) % STREAMS}`;
          await inTransaction(client, async () => {
            await store.append(stream, [entry(w, n)], { client });
            await client.query('select pg_sleep($1)', [Math.random() * 0.02]);
          });
        }
      } finally {
        client.release();
      }
    };
    await Promise.all([heldCommit, ...Array.from({ length: WRITERS }, (_, w) => writer(w))]);
    await waitUntil('the consumer has caught up', async () => (await consumerLag(db.pool, 'ledger-applied')).lagEvents === 0, 60_000);
  }, 120_000);

  it('applies every event exactly once', async () => {
    expect(await appliedCounts(db.pool, 'ledger_applied')).toEqual({ rows: total, distinct: total });
    expect(await missingEvents(db.pool, 'ledger_applied')).toBe(0);
    // It consumed while the writers wrote, not in one sweep at the end.
    expect(batches).toBeGreaterThan(10);
  });

  it("applies each stream's events in version order", async () => {
    expect({ streamsAppliedOutOfOrder: await streamsOutOfOrder(db.pool, 'ledger_applied') }).toEqual({ streamsAppliedOutOfOrder: [] });
  });
});

/** One transaction; a serialization failure (40001) is retried, as its contract allows. */
async function inTransaction(client: PoolClient, work: () => Promise<void>): Promise<void> {
  for (;;) {
    await client.query('begin');
    try {
      await work();
      await client.query('commit');
      return;
    } catch (err) {
      await client.query('rollback');
      if ((err as { code?: string }).code !== '40001') throw err;
    }
  }
}
