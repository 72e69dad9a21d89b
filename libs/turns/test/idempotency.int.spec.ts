import { EventStore } from '@genaug/event-store';
import { note } from '../../../test/support/fixtures/sample-events';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { claimWithTurn, IDEMPOTENCY_TTL_MS } from '@genaug/turns';

// A key is claimed by the first request that appends to its stream, in the same append as its
// turn's request; later ones read the claim.
describe('idempotency keys', () => {
  let db: TestDatabase;
  let store: EventStore;
  beforeAll(async () => {
    db = await createTestDatabase('idempotency');
    store = new EventStore(db.pool);
  });
  afterAll(() => db.drop());

  const at = new Date('2026-03-10T12:00:00Z');
  const turn = (responseId: string) => ({
    streamId: `turn-${responseId}`,
    events: [{ ...note(responseId), metadata: { project_id: 'proj_1' } }],
    flush: 'deferred' as const,
  });
  const claim = (responseId: string, hash: string, now: Date, key = 'order-42') =>
    claimWithTurn(store, { projectId: 'proj_1', key, hash, responseId, now, actor: 'key:k1', correlationId: 'req_1' }, turn(responseId));
  const recorded = async (responseId: string) => (await store.readStream(`turn-${responseId}`)).length;

  it('answers retries from the first claim, refuses another body, and starts anew once the claim expired', async () => {
    expect(await claim('resp_first', 'h1', at)).toEqual({ won: true, nextVersion: 1 });
    const later = new Date(at.getTime() + 60_000);
    expect(await claim('resp_retry', 'h1', later)).toEqual({ won: false, responseId: 'resp_first' });
    await expect(claim('resp_other', 'h2', later)).rejects.toMatchObject({ status: 422 });
    expect([await recorded('resp_first'), await recorded('resp_retry'), await recorded('resp_other')]).toEqual([1, 0, 0]);

    const expired = new Date(at.getTime() + IDEMPOTENCY_TTL_MS + 1);
    expect(await claim('resp_next_day', 'h2', expired)).toEqual({ won: true, nextVersion: 1 });
    expect(await claim('resp_again', 'h2', expired)).toEqual({ won: false, responseId: 'resp_next_day' });
  });

  it('lets one of many concurrent first requests win, and records only its turn', async () => {
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => claim(`resp_${i}`, 'h', at, 'burst')));
    const winners = claims.flatMap((c, i) => (c.won ? [`resp_${i}`] : []));
    expect(winners).toHaveLength(1);
    expect(claims.filter((c) => !c.won)).toEqual(Array(19).fill({ won: false, responseId: winners[0] }));
    const turns = await Promise.all(claims.map((_, i) => recorded(`resp_${i}`)));
    expect(turns.filter((n) => n > 0)).toEqual([1]);
  });

  it('leaves the key unclaimed when its turn cannot be recorded', async () => {
    await store.append('turn-resp_taken', [note('already there')]);
    await expect(claim('resp_taken', 'h', at, 'never-claimed')).rejects.toMatchObject({ name: 'WrongExpectedVersionError', streamId: 'turn-resp_taken' });
    // The key is free: the next request with it claims it for its own turn.
    expect(await claim('resp_fresh', 'h', at, 'never-claimed')).toEqual({ won: true, nextVersion: 1 });
  });
});
