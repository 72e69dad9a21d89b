import { z } from 'zod';
import { EventStore, registerEvents, WrongExpectedVersionError, InvalidEventError } from '@genaug/event-store';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';

registerEvents({ CounterIncremented: z.object({ by: z.number().int() }) });

describe('event store append', () => {
  let db: TestDatabase;
  let store: EventStore;
  beforeAll(async () => {
    db = await createTestDatabase('append');
    store = new EventStore(db.pool);
  });
  afterAll(() => db.drop());

  it('appends and reads a stream with versions starting at 1', async () => {
    const r = await store.append('counter-a', [
      { type: 'CounterIncremented', data: { by: 1 } },
      { type: 'CounterIncremented', data: { by: 2 } },
    ], { expectedVersion: 'no_stream' });
    expect(r.nextVersion).toBe(2);
    const events = await store.readStream('counter-a');
    expect(events.map((e) => [e.streamVersion, e.data.by])).toEqual([[1, 1], [2, 2]]);
    const back = await store.readStream('counter-a', { direction: 'backwards', limit: 1 });
    expect(back[0].streamVersion).toBe(2);
  });

  it('lets exactly one of 50 concurrent appends at the same expected version win', async () => {
    await store.append('counter-race', [{ type: 'CounterIncremented', data: { by: 1 } }], { expectedVersion: 'no_stream' });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        store.append('counter-race', [{ type: 'CounterIncremented', data: { by: 1 } }], { expectedVersion: 1 }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    for (const l of lost) {
      expect(l.reason).toBeInstanceOf(WrongExpectedVersionError);
      expect(l.reason.actual).toBe(2);
    }
    expect(await store.streamVersion('counter-race')).toBe(2);
  });

  it('enforces no_stream, stream_exists and exact versions', async () => {
    await expect(store.append('counter-x', [{ type: 'CounterIncremented', data: { by: 1 } }], { expectedVersion: 'stream_exists' }))
      .rejects.toMatchObject({ actual: -1 });
    await store.append('counter-x', [{ type: 'CounterIncremented', data: { by: 1 } }], { expectedVersion: 'no_stream' });
    await expect(store.append('counter-x', [{ type: 'CounterIncremented', data: { by: 1 } }], { expectedVersion: 'no_stream' }))
      .rejects.toMatchObject({ actual: 1 });
    await expect(store.append('counter-x', [{ type: 'CounterIncremented', data: { by: 1 } }], { expectedVersion: 5 }))
      .rejects.toMatchObject({ actual: 1 });
    await store.append('counter-x', [{ type: 'CounterIncremented', data: { by: 1 } }], { expectedVersion: 'stream_exists' });
    expect(await store.streamVersion('counter-x')).toBe(2);
  });

  it('refuses an event that fails its schema, before anything is appended', async () => {
    await expect(store.append('counter-bad', [{ type: 'CounterIncremented', data: { by: 'x' } }])).rejects.toBeInstanceOf(InvalidEventError);
    await expect(store.append('counter-bad', [{ type: 'Nope', data: {} }])).rejects.toThrow(/unknown event type/);
    expect(await store.streamVersion('counter-bad')).toBe(0);
  });

  it('reads the global log after a checkpoint in batches', async () => {
    const first = await store.readAll({ limit: 3 });
    expect(first.events).toHaveLength(3);
    const rest = await store.readAll({ after: first.position, limit: 1000 });
    const all = [...first.events, ...rest.events].map((e) => e.globalPosition);
    expect(new Set(all).size).toBe(all.length);
    const filtered = await store.readAll({ types: ['Nope'] });
    expect(filtered.events).toHaveLength(0);
    expect(filtered.position.globalPosition).toBeGreaterThan(0);
  });
});
