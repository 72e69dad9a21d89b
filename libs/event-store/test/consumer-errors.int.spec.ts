import { z } from 'zod';
import { EventStore, registerEvents, SubscriptionHost } from '@genaug/event-store';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';

registerEvents({ ErrorProbeRecorded: z.object({ n: z.number() }) });

describe('consumer errors', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('consumer_errors');
  });
  afterAll(() => db.drop());

  it('tells listeners of each failed batch, and the consumer goes on once the fault is gone', async () => {
    const store = new EventStore(db.pool);
    let failing = true;
    const handled: number[] = [];
    const host = new SubscriptionHost(db.pool, null, { pollMs: 20 });
    host.addReactor({
      name: 'flaky',
      types: ['ErrorProbeRecorded'],
      async react(events) {
        if (failing) throw new Error('receiver down');
        handled.push(...events.map((e) => e.data.n));
      },
    });
    const errors: string[] = [];
    host.onConsumerError((consumer, err) => errors.push(`${consumer}: ${err.message}`));
    await store.append('probe-1', [{ type: 'ErrorProbeRecorded', data: { n: 1 } }]);
    host.start();
    for (let i = 0; i < 100 && errors.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(errors.slice(0, 2)).toEqual(['flaky: receiver down', 'flaky: receiver down']);
    expect((await host.states())[0].status).toBe('failing');
    failing = false;
    for (let i = 0; i < 200 && handled.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await host.stop();
    expect(handled).toEqual([1]);
  });
});
