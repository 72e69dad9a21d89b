import { EventStore, verifyChain, WrongExpectedVersionError } from '@genaug/event-store';
import { newUuid } from '@genaug/kernel';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { entry, note } from '../../../test/support/fixtures/sample-events';

/**
 * Appends made while others run share a transaction and its commit (group commit), yet each
 * succeeds or fails as if it had been made alone.
 */
describe('appends from concurrent callers', () => {
  let db: TestDatabase;
  let store: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase('append_rounds');
    store = new EventStore(db.pool);
  });
  afterAll(() => db.drop());

  const transactionsOf = async (pattern: string) =>
    (await db.pool.query('select count(distinct transaction_id)::int as n from genaug_events where stream_id like $1', [pattern])).rows[0].n;

  it.each(['durable', 'deferred'] as const)('share commits, and each is checked against its own expected version (%s)', async (flush) => {
    const prefix = `round-${flush}`;
    const distinct = Array.from({ length: 40 }, (_, i) =>
      store.append(`${prefix}-s${i}`, [entry(i, 1), entry(i, 2)], { expectedVersion: 'no_stream', flush }),
    );
    const racing = Array.from({ length: 10 }, (_, i) => store.append(`${prefix}-race`, [note(`racer ${i}`)], { expectedVersion: 'no_stream', flush }));
    const results = await Promise.allSettled([...distinct, ...racing]);

    expect(results.slice(0, 40).every((r) => r.status === 'fulfilled' && r.value.nextVersion === 2)).toBe(true);
    const race = results.slice(40);
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(race.filter((r) => r.status === 'rejected' && r.reason instanceof WrongExpectedVersionError)).toHaveLength(9);
    // 50 appends went in fewer transactions: they were committed together.
    expect(await transactionsOf(`${prefix}-%`)).toBeLessThan(50);

    for (let i = 0; i < 40; i++) {
      const events = await store.readStream(`${prefix}-s${i}`);
      expect(events.map((e) => [e.streamVersion, e.data.n])).toEqual([[1, 1], [2, 2]]);
    }
    // Positions follow each append's stream versions.
    const fulfilled = results.slice(0, 40).map((r) => (r as PromiseFulfilledResult<{ firstPosition: number; lastPosition: number }>).value);
    expect(fulfilled.every((r) => r.lastPosition === r.firstPosition + 1)).toBe(true);
    expect(await store.streamVersion(`${prefix}-race`)).toBe(1);

    // A second round extends the streams: twice the same stream in one round, the second after
    // the first, and a stale expected version refused among them.
    const more = await Promise.allSettled([
      ...Array.from({ length: 40 }, (_, i) => store.append(`${prefix}-s${i}`, [entry(i, 3)], { expectedVersion: 2, flush })),
      store.append(`${prefix}-race`, [note('after the race')], { expectedVersion: 1, flush }),
      store.append(`${prefix}-race`, [note('after that')], { flush }),
      store.append(`${prefix}-race`, [note('stale')], { expectedVersion: 1, flush }),
    ]);
    expect(more.slice(0, 40).every((r) => r.status === 'fulfilled' && r.value.nextVersion === 3)).toBe(true);
    expect(more.slice(40).map((r) => (r.status === 'fulfilled' ? r.value.nextVersion : (r.reason as Error).name))).toEqual([
      2,
      3,
      'WrongExpectedVersionError',
    ]);
    expect((await store.readStream(`${prefix}-race`)).map((e) => [e.streamVersion, e.data.text])).toEqual([
      [1, expect.stringMatching(/^racer /)],
      [2, 'after the race'],
      [3, 'after that'],
    ]);
    // Every stream's hash chain holds across the rounds.
    expect(await verifyChain(db.pool)).toMatchObject({ ok: true, broken: null });
  });

  it('fails only the append at fault when the shared transaction is refused', async () => {
    const eventId = newUuid();
    await store.append('fault-first', [{ ...note('first'), eventId }]);
    const others = Array.from({ length: 6 }, (_, i) => store.append(`fault-other-${i}`, [note(`other ${i}`)], { expectedVersion: 'no_stream' }));
    // The same event id again: the events table refuses it, and with it the round it rode in.
    const duplicate = store.append('fault-duplicate', [{ ...note('again'), eventId }]);
    const [dup, ...rest] = await Promise.allSettled([duplicate, ...others]);

    expect(dup.status).toBe('rejected');
    expect((dup as PromiseRejectedResult).reason).toMatchObject({ code: '23505' });
    expect(rest.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await store.streamVersion('fault-duplicate')).toBe(0);
    for (let i = 0; i < 6; i++) expect(await store.streamVersion(`fault-other-${i}`)).toBe(1);
  });
});
