import { EventStore, verifyChain } from '@genaug/event-store';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { entry, note } from '../../../test/support/fixtures/sample-events';
import { removeEvent, rewriteEventAndHash, tamperWithEvent } from '../../../test/support/fixtures/tampering';

/**
 * The log is append-only in the database itself, and each event's hash covers the one
 * before it in its stream: whoever gets around the first is caught by the second.
 */
describe('an immutable, verifiable history', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('immutability');
    const store = new EventStore(db.pool);
    for (const s of ['a', 'b', 'c', 'd', 'e']) {
      for (let v = 0; v < 5; v++) {
        const metadata = { project_id: `proj_${s}` };
        await store.append(`ledger-${s}`, [{ ...entry(0, v), metadata }, { ...note(`${s}${v}`), metadata }]);
      }
    }
  });
  afterAll(() => db.drop());

  it.each([
    ['UPDATE', `update genaug_events set data = '{"n": 0}' where stream_id = 'ledger-a'`],
    ['DELETE', `delete from genaug_events where stream_id = 'ledger-a' and stream_version = 10`],
    ['TRUNCATE', 'truncate genaug_events'],
  ])('refuses %s on stored events', async (op, sql) => {
    await expect(db.pool.query(sql)).rejects.toThrow(`genaug_events is append-only: ${op} is not allowed`);
    expect((await db.pool.query('select count(*)::int as n from genaug_events')).rows[0].n).toBe(50);
  });

  it('verifies an untouched history', async () => {
    expect(await verifyChain(db.pool)).toEqual({ ok: true, streams: 5, events: 50, broken: null });
    expect(await verifyChain(db.pool, { projectId: 'proj_b' })).toEqual({ ok: true, streams: 1, events: 10, broken: null });
  });

  it('names the stream and version of an event changed behind the trigger', async () => {
    // Version 8 of ledger-b is the note "b3" (each append wrote an entry, then a note).
    expect(await tamperWithEvent(db.pool, 'ledger-b', 8, 'text', 'rewritten')).toBe(1);
    const result = await verifyChain(db.pool);
    expect(result).toMatchObject({ ok: false, broken: { streamId: 'ledger-b', version: 8, problem: 'hash_mismatch' } });
    // The streams before it and the events before it in its stream still check out.
    expect(result).toMatchObject({ streams: 2, events: 17 });
    expect((await verifyChain(db.pool, { streamId: 'ledger-a' })).ok).toBe(true);
    // Changing it back restores the chain: the hash covers the content, not the row.
    await tamperWithEvent(db.pool, 'ledger-b', 8, 'text', 'b3');
    expect((await verifyChain(db.pool, { streamId: 'ledger-b' })).ok).toBe(true);
  });

  it('reports a removed event as a missing version', async () => {
    await removeEvent(db.pool, 'ledger-c', 4);
    expect(await verifyChain(db.pool, { streamId: 'ledger-c' })).toMatchObject({
      ok: false,
      broken: { streamId: 'ledger-c', version: 4, problem: 'missing_version' },
    });
  });

  it("catches a stream's last event rewritten together with its hash", async () => {
    await rewriteEventAndHash(db.pool, 'ledger-e', 10, 'text', 'rewritten');
    // The row now matches its own hash and its predecessor's; the stream's head does not.
    const stored = await db.pool.query(
      `select hash = sha256((select hash from genaug_events where stream_id = 'ledger-e' and stream_version = 9)
         || convert_to(genaug_canonical(stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at), 'UTF8')) as consistent
       from genaug_events where stream_id = 'ledger-e' and stream_version = 10`,
    );
    expect(stored.rows[0].consistent).toBe(true);
    expect(await verifyChain(db.pool, { streamId: 'ledger-e' })).toMatchObject({
      ok: false,
      broken: { streamId: 'ledger-e', version: 10, problem: 'hash_mismatch' },
    });
  });

  it("reports a stream's removed last event as a missing version", async () => {
    await removeEvent(db.pool, 'ledger-d', 10);
    expect(await verifyChain(db.pool, { projectId: 'proj_d' })).toMatchObject({
      ok: false,
      broken: { streamId: 'ledger-d', version: 10, problem: 'missing_version' },
    });
  });
});
