import type { PoolClient } from 'pg';
import { consumerLag, EventNotifier, EventStore, SubscriptionHost, type Projection, type RebuildProgress } from '@genaug/event-store';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { ENTRY_RECORDED, entry, note } from '../../../test/support/fixtures/sample-events';
import { waitUntil } from './support/read-model';

/** A read model with upserts: per stream, how many entries and the sum of their numbers. */
const ledgerTotals: Projection = {
  name: 'ledger-totals',
  types: [ENTRY_RECORDED],
  tables: ['ledger_totals'],
  async setup(client: PoolClient) {
    await client.query(
      `create table if not exists ledger_totals (stream_id text primary key, entries int not null, total bigint not null, last_version bigint not null)`,
    );
  },
  async apply(events, client) {
    for (const e of events) {
      await client.query(
        `insert into ledger_totals (stream_id, entries, total, last_version) values ($1, 1, $2, $3)
         on conflict (stream_id) do update set entries = ledger_totals.entries + 1, total = ledger_totals.total + $2, last_version = $3`,
        [e.streamId, e.data.n, e.streamVersion],
      );
    }
  },
};

const WRITERS = 10;
const STREAMS = WRITERS * 3;
const ENTRIES = 5000;

describe('rebuilding a projection', () => {
  let db: TestDatabase;
  let notifier: EventNotifier;
  let host: SubscriptionHost;
  let live: unknown[];

  const readModel = async () => (await db.pool.query('select * from ledger_totals order by stream_id')).rows;

  beforeAll(async () => {
    db = await createTestDatabase('rebuild');
    notifier = new EventNotifier({ connectionString: db.url });
    await notifier.start();
    host = new SubscriptionHost(db.pool, notifier, { batchSize: 300 });
    host.addProjection(ledgerTotals);
    await host.setup();
    host.start();
    // The live projection follows the appends as they happen; notes are not its business.
    const store = new EventStore(db.pool);
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = w * 10; i < ENTRIES; i += 100) {
          const batch = Array.from({ length: 10 }, (_, k) => entry(w, i + k));
          await store.append(`ledger-${w}-${Math.floor(i / 100) % 3}`, [...batch, note(`after ${i}`)]);
        }
      }),
    );
    await waitUntil('the live projection has caught up', async () => (await consumerLag(db.pool, 'ledger-totals', [ENTRY_RECORDED])).lagEvents === 0);
    live = await readModel();
  });

  afterAll(async () => {
    await host.stop();
    await notifier.stop();
    await db.drop();
  });

  it('has a live read model to compare with', () => {
    expect(live).toHaveLength(STREAMS);
    expect(live.reduce((sum: number, r: any) => sum + r.entries, 0)).toBe(ENTRIES);
  });

  it('replays the log itself when no instance is running, reporting progress per batch', async () => {
    await host.stop();
    const progress: RebuildProgress[] = [];
    const result = await host.rebuild('ledger-totals', (p) => progress.push({ ...p }));
    expect(await readModel()).toEqual(live);
    expect(result).toEqual({ handled: ENTRIES, total: ENTRIES });
    // 5,500 events in the log: three scan windows of up to 2,000 (notes are scanned, not
    // handled), one report each, then the final one.
    const handled = progress.map((p) => p.handled);
    expect(handled).toHaveLength(4);
    expect(handled).toEqual([...handled].sort((x, y) => x - y));
    expect(handled[0]).toBeGreaterThan(0);
    expect(handled.slice(2)).toEqual([ENTRIES, ENTRIES]);
    expect(progress.every((p) => p.total === ENTRIES)).toBe(true);
  });

  it('lets the running instance replay and reports its progress when one is active', async () => {
    host.start();
    await waitUntil('the consumer is active', async () => (await host.states())[0].status === 'active');
    const progress: RebuildProgress[] = [];
    const result = await host.rebuild('ledger-totals', (p) => progress.push({ ...p }));
    expect(await readModel()).toEqual(live);
    expect(result).toEqual({ handled: ENTRIES, total: ENTRIES });
    const handled = progress.map((p) => p.handled);
    expect(handled).toEqual([...handled].sort((x, y) => x - y));
    expect(handled[handled.length - 1]).toBe(ENTRIES);
  });

  it('refuses an unknown projection', async () => {
    await expect(host.rebuild('nope')).rejects.toThrow(/no projection named nope/);
  });
});
