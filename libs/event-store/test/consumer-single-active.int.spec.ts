import type { Pool } from 'pg';
import { Consumer, createPool, EventNotifier, EventStore, isConsumerActive, SubscriptionHost } from '@genaug/event-store';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { appliedEventsProjection } from '../../../test/support/fixtures/applied-events.projection';
import { entry } from '../../../test/support/fixtures/sample-events';
import { appliedCounts, missingEvents, streamsOutOfOrder, waitUntil } from './support/read-model';

const NAME = 'ledger-single';
const TABLE = 'ledger_single';

/**
 * Two instances of one consumer, each on its own pool as if in two processes: only one
 * consumes at a time, and when it goes away the other carries on from the checkpoint.
 */
describe('one active instance per consumer', () => {
  let db: TestDatabase;
  const pools: Pool[] = [];
  const notifiers: EventNotifier[] = [];
  const consumers: Consumer[] = [];
  // Each batch lingers inside its transaction, so a lost connection is likely to cut one short.
  const projection = appliedEventsProjection(NAME, TABLE, {
    midBatch: async (client) => void (await client.query('select pg_sleep(0.02)')),
  });

  async function instance(label: string): Promise<{ pool: Pool; consumer: Consumer }> {
    const pool = createPool(db.url, { max: 4, application_name: label });
    const notifier = new EventNotifier({ connectionString: db.url });
    await notifier.start();
    const consumer = new Consumer(pool, { kind: 'projection', projection }, notifier, { batchSize: 20, pollMs: 200, standbyMs: 100 });
    pools.push(pool);
    notifiers.push(notifier);
    consumers.push(consumer);
    return { pool, consumer };
  }

  beforeAll(async () => {
    db = await createTestDatabase('single_active');
    const host = new SubscriptionHost(db.pool, null);
    host.addProjection(projection);
    await host.setup();
  });

  afterAll(async () => {
    for (const c of consumers) await c.stop();
    for (const n of notifiers) await n.stop();
    for (const p of pools) await p.end().catch(() => undefined);
    await db.drop();
  });

  it('runs one instance, and a standby takes over when the active one stops or loses its connection', async () => {
    const store = new EventStore(db.pool);
    let written = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await store.append(`ledger-${written % 7}`, [entry(0, written), entry(0, written + 1)]);
        written += 2;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const a = await instance('consumer-a');
    a.consumer.start();
    await waitUntil('a is active', () => a.consumer.status === 'active');
    const b = await instance('consumer-b');
    b.consumer.start();
    await waitUntil('b stands by', () => b.consumer.status === 'standby');
    const appliedBy = async () => (await appliedCounts(db.pool, TABLE)).rows;
    const beforeStop = await appliedBy();
    await waitUntil('a applied more', async () => (await appliedBy()) > beforeStop);
    expect([a.consumer.status, b.consumer.status]).toEqual(['active', 'standby']);
    expect(await isConsumerActive(db.pool, NAME)).toBe(true);

    // A stops: B takes over.
    await a.consumer.stop();
    await waitUntil('b is active', () => b.consumer.status === 'active');
    const afterStop = await appliedBy();
    await waitUntil('b applied more', async () => (await appliedBy()) > afterStop);

    // A comes back and stands by; then B's process loses the database for good.
    const a2 = await instance('consumer-a2');
    a2.consumer.start();
    await waitUntil('a2 stands by', () => a2.consumer.status === 'standby');
    void b.pool.end();
    await db.pool.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'consumer-b'`);
    await waitUntil('a2 is active', () => a2.consumer.status === 'active');
    await waitUntil('b noticed', () => b.consumer.status === 'failing');
    const afterKill = await appliedBy();
    await waitUntil('a2 applied more', async () => (await appliedBy()) > afterKill);

    writing = false;
    await writer;
    await waitUntil('everything is applied', async () => (await appliedBy()) >= written);
    expect(await appliedCounts(db.pool, TABLE)).toEqual({ rows: written, distinct: written });
    expect(await missingEvents(db.pool, TABLE)).toBe(0);
    expect(await streamsOutOfOrder(db.pool, TABLE)).toEqual([]);
    expect(a2.consumer.status).toBe('active');
  });
});
