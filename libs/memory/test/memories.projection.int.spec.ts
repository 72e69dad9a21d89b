import { EventStore, Sealer, SubscriptionHost, type NewEvent } from '@genaug/event-store';
import { newId } from '@genaug/kernel';
import { createMemoryProjection, memoryStream, memorySubject, MEMORY_PROJECTION } from '@genaug/memory';
import { createTestDatabase, testMasterKey, type TestDatabase } from '../../../test/support/test-database';

// The memory read model, fed by the projection alone: batches keep log order, a fact whose key
// is already destroyed is never written, and a rebuild from history gives the same rows.
describe('memory projection', () => {
  let db: TestDatabase;
  let store: EventStore;
  let sealer: Sealer;
  let host: SubscriptionHost;
  const project = 'proj_projection';

  beforeAll(async () => {
    db = await createTestDatabase('memory_projection');
    store = new EventStore(db.pool);
    sealer = new Sealer(db.pool, testMasterKey);
    host = new SubscriptionHost(db.pool, null);
    host.addProjection(createMemoryProjection(sealer));
    await host.setup();
  });
  afterAll(() => db.drop());

  const meta = (user: string) => ({ project_id: project, user, actor: 'test' });
  async function stored(user: string, fact: string, by: Sealer = sealer): Promise<NewEvent & { id: string }> {
    const id = newId('mem');
    return {
      id,
      type: 'MemoryStored',
      data: {
        memory_id: id,
        user_id: user,
        fact_sealed: await by.seal(project, memorySubject(user), fact),
        fact_type: 'other',
        importance_score: 0.5,
        source: null,
        metadata_sealed: null,
        stored_at: new Date().toISOString(),
      },
      metadata: meta(user),
    };
  }
  const deleted = (user: string, id: string): NewEvent => ({
    type: 'MemoryDeleted',
    data: { memory_id: id, user_id: user, deleted_at: new Date().toISOString() },
    metadata: meta(user),
  });
  const purged = (user: string): NewEvent => ({ type: 'MemoryPurged', data: { user_id: user, purged_at: new Date().toISOString() }, metadata: meta(user) });
  const facts = async (user: string) =>
    (await db.pool.query('select fact from genaug_memories where project_id = $1 and user_id = $2 order by memory_id', [project, user])).rows.map((r) => r.fact);

  it('applies stores, deletes and purges of one batch in log order', async () => {
    const a = await stored('batch', 'fact a');
    const b = await stored('batch', 'fact b');
    const c = await stored('batch', 'fact c');
    await store.append(memoryStream(project, 'batch'), [a, b, deleted('batch', a.id), c]);
    const other = await stored('neighbour', 'neighbour fact');
    await store.append(memoryStream(project, 'neighbour'), [other]);
    await host.catchUpAll();
    expect(await facts('batch')).toEqual(['fact b', 'fact c']);

    // Purge in the same batch as stores before and after it; the later store uses a new key.
    const d = await stored('batch', 'fact d');
    await store.append(memoryStream(project, 'batch'), [d]);
    await sealer.erase(project, memorySubject('batch'));
    await store.append(memoryStream(project, 'batch'), [purged('batch')]);
    const e = await stored('batch', 'fact e');
    await store.append(memoryStream(project, 'batch'), [e]);
    await host.catchUpAll();
    expect(await facts('batch')).toEqual(['fact e']);
    expect(await facts('neighbour')).toEqual(['neighbour fact']);
  });

  it('does not stop at a fact holding a NUL character, stored before such text was refused', async () => {
    const odd = await stored('nul', 'likes \u0000 tea');
    await store.append(memoryStream(project, 'nul'), [odd, await stored('nul', 'likes coffee')]);
    await host.catchUpAll();
    expect(await facts('nul')).toEqual(['likes \ufffd tea', 'likes coffee']);
  });

  it('never writes a fact sealed with a key destroyed before it was applied, even while this process still caches the key', async () => {
    const first = await stored('racer', 'before the purge');
    await store.append(memoryStream(project, 'racer'), [first]);
    await host.catchUpAll();
    expect(await facts('racer')).toEqual(['before the purge']);

    // Another process purges; this one has not heard (no notifier) and still holds the key.
    const late = await stored('racer', 'sealed with the old key after the purge');
    const elsewhere = new Sealer(db.pool, testMasterKey);
    await elsewhere.erase(project, memorySubject('racer'));
    await store.append(memoryStream(project, 'racer'), [purged('racer')]);
    await store.append(memoryStream(project, 'racer'), [late]);
    expect(await sealer.unseal((late.data as any).fact_sealed)).toBe('sealed with the old key after the purge');

    await host.catchUpAll();
    expect(await facts('racer')).toEqual([]);
  });

  it('rebuilds the same rows from the history', async () => {
    const before = (await db.pool.query('select memory_id, user_id, fact from genaug_memories order by memory_id')).rows;
    expect(before.length).toBeGreaterThan(0);
    await host.rebuild(MEMORY_PROJECTION);
    const after = (await db.pool.query('select memory_id, user_id, fact from genaug_memories order by memory_id')).rows;
    expect(after).toEqual(before);
  });
});
