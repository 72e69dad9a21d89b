import { EventStore } from '@genaug/event-store';
import { ManualClock, newId } from '@genaug/kernel';
import { UsageLedger } from '@genaug/governance';
import { GovernanceSweeper } from '../src/governance-sweeper';
import { ThresholdNotices } from '../src/usage-thresholds/threshold-notices';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';

// What the worker cleans up after processes that died mid-turn.

describe('governance sweeper', () => {
  const clock = new ManualClock(new Date('2026-03-10T12:00:00Z'));
  let db: TestDatabase;
  let ledger: UsageLedger;
  let sweeper: GovernanceSweeper;

  beforeAll(async () => {
    db = await createTestDatabase('governance_sweeper');
    ledger = new UsageLedger(db.pool);
    sweeper = new GovernanceSweeper({ enabled: true, clock, runWorkers: true }, ledger, new ThresholdNotices(new EventStore(db.pool), db.pool));
  });
  afterAll(() => db.drop());

  it('releases a reservation held for an hour, and only that one', async () => {
    const projectId = newId('proj');
    const turn = (responseId: string) => ({
      responseId,
      projectId,
      day: '2026-03-10',
      month: '2026-03',
      user: null,
      feature: null,
      reserveUsd: 0.5,
      turnLimit: 1,
      caps: { projectDay: 1, projectMonth: null, userDay: null, userMonth: null, featureDay: null, featureMonth: null },
      burst: null,
      now: clock.now(),
    });
    expect((await ledger.admit(turn('resp_stale'))).ok).toBe(true);
    clock.advance(59 * 60_000);
    await sweeper.sweep();
    expect(await ledger.held(projectId)).toBe(1);
    clock.advance(2 * 60_000);
    await sweeper.sweep();
    expect(await ledger.held(projectId)).toBe(0);
    // Its turn slot and its reservation are free again.
    expect((await ledger.admit({ ...turn('resp_next'), now: clock.now() })).ok).toBe(true);
  });

  it('records a threshold whose event a dying process never appended, once', async () => {
    const projectId = newId('proj');
    await db.pool.query(
      `insert into genaug_usage_thresholds (project_id, day, threshold_percent, agent_turns_count, agent_turns_per_day, messages_count, reached_at)
       values ($1, '2026-03-10', 80, 8, 10, 16, $2)`,
      [projectId, new Date(clock.now().getTime() - 60_000)],
    );
    await sweeper.sweep();
    // As if the process died after the append but before marking the threshold recorded.
    await db.pool.query('update genaug_usage_thresholds set recorded_at = null where project_id = $1', [projectId]);
    await sweeper.sweep();
    const events = await new EventStore(db.pool).readStream(`ledger-${projectId}-2026-03-10`);
    expect(events.map((e) => [e.type, e.data.threshold_percent, e.data.agent_turns_count])).toEqual([['UsageThresholdReached', 80, 8]]);
    const left = await db.pool.query('select count(*)::int as n from genaug_usage_thresholds where project_id = $1 and recorded_at is null', [projectId]);
    expect(left.rows[0].n).toBe(0);
  });
});
