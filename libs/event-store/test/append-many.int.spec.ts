import { EventStore, WrongExpectedVersionError } from '@genaug/event-store';
import { newUuid } from '@genaug/kernel';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { entry, note } from '../../../test/support/fixtures/sample-events';

/** Several streams in one append: all commit or none, and the result names the transaction. */
describe('appending to several streams at once', () => {
  let db: TestDatabase;
  let store: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase('append_many');
    store = new EventStore(db.pool);
  });
  afterAll(() => db.drop());

  it('commits every stream in one transaction and reports its id and positions', async () => {
    const [a, b] = await store.appendMany([
      { streamId: 'many-a', events: [entry(1, 1), entry(1, 2)], expectedVersion: 'no_stream' },
      { streamId: 'many-b', events: [note('claimed')], expectedVersion: 'no_stream' },
    ]);
    expect(a).toMatchObject({ streamId: 'many-a', nextVersion: 2 });
    expect(b).toMatchObject({ streamId: 'many-b', nextVersion: 1 });
    expect(b.transactionId).toBe(a.transactionId);
    const rows = await db.pool.query(
      'select stream_id, transaction_id::text as tx, global_position from genaug_events where stream_id like $1 order by global_position',
      ['many-%'],
    );
    expect(rows.rows.map((r) => r.tx)).toEqual([a.transactionId, a.transactionId, a.transactionId]);
    expect(Number(rows.rows[1].global_position)).toBe(a.lastPosition);
    expect(Number(rows.rows[2].global_position)).toBe(b.lastPosition);
  });

  it('commits when deferred too, and wakes consumers with its commit', async () => {
    const listener = await db.pool.connect();
    try {
      const woken = new Promise<string>((resolve) => listener.on('notification', (n) => resolve(n.channel)));
      await listener.query('listen genaug_events');
      const [a] = await store.appendMany([{ streamId: 'many-deferred', events: [note('fast')], expectedVersion: 'no_stream' }], { flush: 'deferred' });
      expect(a.nextVersion).toBe(1);
      expect(await woken).toBe('genaug_events');
      expect((await store.readStream('many-deferred')).map((e) => e.data)).toEqual([{ text: 'fast' }]);
    } finally {
      await listener.query('unlisten genaug_events');
      listener.release();
    }
  });

  it('appends nothing when one stream is not at its expected version, and names that stream', async () => {
    const before = await db.pool.query('select count(*)::int as n from genaug_events');
    const attempt = store.appendMany([
      { streamId: 'many-c', events: [entry(2, 1)], expectedVersion: 'no_stream' },
      { streamId: 'many-b', events: [note('again')], expectedVersion: 'no_stream' },
    ]);
    await expect(attempt).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(attempt).rejects.toMatchObject({ streamId: 'many-b', actual: 1 });
    const after = await db.pool.query('select count(*)::int as n from genaug_events');
    expect(after.rows[0].n).toBe(before.rows[0].n);
    expect(await store.streamVersion('many-c')).toBe(0);
  });

  it('tries again in a new transaction when a newer one appended to a later stream first', async () => {
    const holder = await db.pool.connect();
    try {
      // Hold stream many-late's append lock without a transaction id yet.
      await holder.query('begin');
      await holder.query(`select pg_advisory_xact_lock(736211801, hashtext('many-late'))`);
      const attempt = store.appendMany([
        { streamId: 'many-early', events: [note('early')] },
        { streamId: 'many-late', events: [note('mine')] },
      ]);
      // The batch has written many-early (so has its id) and waits for many-late's lock.
      for (let i = 0; ; i++) {
        const waiting = await db.pool.query(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%genaug_append_many%'`);
        if (waiting.rows[0].n > 0) break;
        if (i > 200) throw new Error('the batch never waited for the lock');
        await new Promise((r) => setTimeout(r, 10));
      }
      // A newer transaction appends to many-late and commits first.
      await holder.query(`select * from genaug_append('many-late', -1, $1::jsonb, null)`, [JSON.stringify([{ event_id: newUuid(), type: 'NoteAdded', data: { text: 'theirs' } }])]);
      await holder.query('commit');

      const [early, late] = await attempt;
      expect(early.streamId).toBe('many-early');
      expect(late).toMatchObject({ streamId: 'many-late', nextVersion: 2 });
      expect((await store.readStream('many-late')).map((e) => e.data.text)).toEqual(['theirs', 'mine']);
      expect((await store.readStream('many-early')).map((e) => e.data.text)).toEqual(['early']);
    } finally {
      holder.release();
    }
  });
});
