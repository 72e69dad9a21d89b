import type { PoolClient } from 'pg';
import { EventNotifier, EventStore, ReadYourWrites, SubscriptionHost, type Projection } from '@genaug/event-store';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { ENTRY_RECORDED, entry, note } from '../../../test/support/fixtures/sample-events';

const entries: Projection = {
  name: 'ryw-entries',
  types: [ENTRY_RECORDED],
  tables: ['ryw_entries'],
  async setup(client: PoolClient) {
    await client.query('create table if not exists ryw_entries (event_id uuid primary key, n int not null)');
  },
  async apply(events, client) {
    await client.query('insert into ryw_entries (event_id, n) select * from unnest($1::uuid[], $2::int[])', [
      events.map((e) => e.eventId),
      events.map((e) => e.data.n),
    ]);
  },
};

/**
 * Read-your-writes: a command's caller waits until a projection has applied its event, whether
 * the projection runs in this process (it says so itself) or in another (stored checkpoints).
 */
describe('reading your own writes', () => {
  let db: TestDatabase;
  let store: EventStore;
  let notifier: EventNotifier;
  let worker: SubscriptionHost;

  const applied = async (n: number) => (await db.pool.query('select 1 from ryw_entries where n = $1', [n])).rowCount === 1;

  beforeAll(async () => {
    db = await createTestDatabase('read_your_writes');
    store = new EventStore(db.pool);
    notifier = new EventNotifier({ connectionString: db.url });
    await notifier.start();
    worker = new SubscriptionHost(db.pool, notifier);
    worker.addProjection(entries);
    await worker.setup();
    worker.start();
  });
  afterAll(async () => {
    await worker.stop();
    await notifier.stop();
    await db.drop();
  });

  it('waits for a projection this process runs', async () => {
    const ryw = new ReadYourWrites(db.pool, worker);
    const res = await store.append('ryw-1', [entry(1, 101)]);
    expect(await ryw.waitFor('ryw-entries', res.lastPosition)).toBe(true);
    expect(await applied(101)).toBe(true);
  });

  it('waits for a projection another process runs, many callers at once', async () => {
    // An API process: no consumers of its own, so only stored checkpoints tell.
    const api = new SubscriptionHost(db.pool, null);
    api.addProjection(entries);
    const ryw = new ReadYourWrites(db.pool, api);
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const [res] = await store.appendMany([{ streamId: `ryw-many-${i}`, events: [entry(2, 200 + i)] }]);
        const done = await ryw.waitFor('ryw-entries', { transactionId: res.transactionId, globalPosition: res.lastPosition });
        return done && (await applied(200 + i));
      }),
    );
    expect(results).toEqual(Array(20).fill(true));
  });

  it('counts an event the projection does not read as handled once the projection has passed it', async () => {
    const ryw = new ReadYourWrites(db.pool, worker);
    const res = await store.append('ryw-notes', [note('not for it')]);
    expect(await ryw.waitFor('ryw-entries', res.lastPosition)).toBe(true);
  });

  it('gives up after its timeout when nobody runs the projection', async () => {
    const ryw = new ReadYourWrites(db.pool, null);
    const res = await store.append('ryw-2', [entry(3, 301)]);
    expect(await ryw.waitFor('nobody-runs-this', res.lastPosition, 300)).toBe(false);
  });
});
