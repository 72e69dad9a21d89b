import type { Pool } from 'pg';
import { createPool, ERASED, EventNotifier, EventStore, Sealer, verifyChain } from '@genaug/event-store';
import { createTestDatabase, testMasterKey, type TestDatabase } from '../../../test/support/test-database';
import { PERSON_NOTED } from '../../../test/support/fixtures/sample-events';
import { waitUntil } from './support/read-model';

const PROJECT = 'proj_erasure';
const ALICE = { subject: 'usr_alice', name: 'Alice Liddell', note: 'lives at 7 Rabbit Hole Lane' };
const BOB = { subject: 'usr_bob', name: 'Bob Builder', note: 'phone +44 7700 900123' };

/**
 * Erasing a person destroys their data key: every sealed copy of their data becomes
 * unreadable, in every process, while the history and its hash chain stay intact.
 */
describe('erasure by crypto-shredding', () => {
  let db: TestDatabase;
  let otherPool: Pool;
  let otherNotifier: EventNotifier;
  let sealer: Sealer;
  let otherSealer: Sealer;
  let store: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase('erasure');
    sealer = new Sealer(db.pool, testMasterKey);
    // Another process: its own pool, notifier and key cache.
    otherPool = createPool(db.url, { max: 4 });
    otherNotifier = new EventNotifier({ connectionString: db.url, application_name: 'other-notifier' });
    await otherNotifier.start();
    otherSealer = new Sealer(otherPool, testMasterKey, otherNotifier);
    store = new EventStore(db.pool);
    for (const person of [ALICE, BOB]) {
      for (let i = 0; i < 3; i++) {
        await store.append(`person-${person.subject}`, [
          {
            type: PERSON_NOTED,
            data: { name: await sealer.seal(PROJECT, person.subject, person.name), note: await sealer.seal(PROJECT, person.subject, `${person.note} #${i}`) },
            metadata: { project_id: PROJECT, user: person.subject },
          },
        ]);
      }
    }
  });

  afterAll(async () => {
    await otherNotifier.stop();
    await otherPool.end();
    await db.drop();
  });

  const readPerson = async (reader: Sealer, subject: string) =>
    Promise.all(
      (await store.readStream(`person-${subject}`)).map(async (e) => ({ name: await reader.unseal(e.data.name), note: await reader.unseal(e.data.note) })),
    );
  const tableText = async () => (await db.pool.query(`select string_agg(e::text, '\n') as text from genaug_events e`)).rows[0].text as string;

  it('stores sealed fields only, readable by any process holding the master key', async () => {
    const text = await tableText();
    for (const plain of [ALICE.name, ALICE.note, BOB.name, BOB.note]) expect(text).not.toContain(plain);
    expect((await readPerson(otherSealer, ALICE.subject))[2]).toEqual({ name: ALICE.name, note: `${ALICE.note} #2` });
  });

  it("makes the erased person's fields read as ERASED everywhere and leaves everyone else's readable", async () => {
    // The other process has Alice's key cached before the erasure.
    expect((await readPerson(otherSealer, ALICE.subject))[0].name).toBe(ALICE.name);

    const erased = await sealer.erase(PROJECT, ALICE.subject);
    expect(erased).toHaveLength(1);

    expect(await readPerson(sealer, ALICE.subject)).toEqual(Array(3).fill({ name: ERASED, note: ERASED }));
    await waitUntil('the other process heard of the erasure', async () => (await otherSealer.unseal((await store.readStream(`person-${ALICE.subject}`))[0].data.name)) === ERASED);
    expect(await readPerson(otherSealer, ALICE.subject)).toEqual(Array(3).fill({ name: ERASED, note: ERASED }));
    // A process that never saw the key finds nothing to read it with.
    expect((await readPerson(new Sealer(db.pool, testMasterKey), ALICE.subject))[1]).toEqual({ name: ERASED, note: ERASED });

    expect((await readPerson(otherSealer, BOB.subject))[1]).toEqual({ name: BOB.name, note: `${BOB.note} #1` });
    const keys = await db.pool.query('select subject from genaug_subject_keys where project_id = $1 order by subject', [PROJECT]);
    expect(keys.rows.map((r) => r.subject)).toEqual([BOB.subject]);
    const tombstones = await db.pool.query('select key_id from genaug_erased_keys');
    expect(tombstones.rows.map((r) => r.key_id)).toEqual(erased);
  });

  it('keeps no plaintext of the erased person anywhere in the event table, and the chain intact', async () => {
    const text = await tableText();
    for (const plain of [ALICE.name, ALICE.note, ALICE.name.split(' ')[0]]) expect(text).not.toContain(plain);
    expect(await verifyChain(db.pool)).toEqual({ ok: true, streams: 2, events: 6, broken: null });
  });

  it('agrees on one key when many processes seal for a new subject at once', async () => {
    const sealers = Array.from({ length: 12 }, () => new Sealer(db.pool, testMasterKey));
    const sealed = await Promise.all(sealers.map((s, i) => s.seal(PROJECT, 'usr_carol', `carol ${i}`)));
    expect(new Set(sealed.map((v) => Sealer.keyIdOf(v))).size).toBe(1);
    const keys = await db.pool.query('select count(*)::int as n from genaug_subject_keys where project_id = $1 and subject = $2', [PROJECT, 'usr_carol']);
    expect(keys.rows[0].n).toBe(1);
    // Any of them reads what any other sealed.
    expect(await Promise.all(sealed.map((v, i) => sealers[(i + 5) % sealers.length].unseal(v)))).toEqual(sealed.map((_, i) => `carol ${i}`));
  });

  it('forgets cached keys in a process that was disconnected when a subject was erased', async () => {
    const sealed = await sealer.seal(PROJECT, 'usr_dave', 'dave');
    expect(await otherSealer.unseal(sealed)).toBe('dave');
    const gone = async () => (await db.pool.query(`select 1 from pg_stat_activity where application_name = 'other-notifier'`)).rowCount === 0;
    await db.pool.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'other-notifier'`);
    await waitUntil('the other process is disconnected', gone);
    // Its notification goes nowhere: nobody in that process is listening.
    await sealer.erase(PROJECT, 'usr_dave');
    await waitUntil('the other process reconnected', async () => !(await gone()));
    await waitUntil('the other process dropped the key', async () => (await otherSealer.unseal(sealed)) === ERASED);
  });
});
