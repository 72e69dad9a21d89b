import { EventStore } from '@genaug/event-store';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { claimIdempotencyKey, IDEMPOTENCY_TTL_MS } from '@genaug/turns';

// A key is claimed by the first request that appends to its stream; later ones read the claim.
describe('idempotency keys', () => {
  let db: TestDatabase;
  let store: EventStore;
  beforeAll(async () => {
    db = await createTestDatabase('idempotency');
    store = new EventStore(db.pool);
  });
  afterAll(() => db.drop());

  const at = new Date('2026-03-10T12:00:00Z');
  const claim = (responseId: string, hash: string, now: Date) =>
    claimIdempotencyKey(store, { projectId: 'proj_1', key: 'order-42', hash, responseId, now, actor: 'key:k1', correlationId: 'req_1' });

  it('answers retries from the first claim, refuses another body, and starts anew once the claim expired', async () => {
    expect(await claim('resp_first', 'h1', at)).toEqual({ won: true });
    const later = new Date(at.getTime() + 60_000);
    expect(await claim('resp_retry', 'h1', later)).toEqual({ won: false, responseId: 'resp_first' });
    await expect(claim('resp_other', 'h2', later)).rejects.toMatchObject({ status: 422 });

    const expired = new Date(at.getTime() + IDEMPOTENCY_TTL_MS + 1);
    expect(await claim('resp_next_day', 'h2', expired)).toEqual({ won: true });
    expect(await claim('resp_again', 'h2', expired)).toEqual({ won: false, responseId: 'resp_next_day' });
  });

  it('lets one of many concurrent first requests win', async () => {
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        claimIdempotencyKey(store, { projectId: 'proj_1', key: 'burst', hash: 'h', responseId: `resp_${i}`, now: at, actor: 'key:k1', correlationId: `req_${i}` }),
      ),
    );
    const winners = claims.flatMap((c, i) => (c.won ? [`resp_${i}`] : []));
    expect(winners).toHaveLength(1);
    expect(claims.filter((c) => !c.won)).toEqual(Array(19).fill({ won: false, responseId: winners[0] }));
  });
});
