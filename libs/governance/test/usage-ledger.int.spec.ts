import { createPool } from '@genaug/event-store';
import { UsageLedger, type Admission, type BudgetCaps } from '@genaug/governance';
import { newId } from '@genaug/kernel';
import type { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';

// The ledger's promises at the database, with two pools standing for two API processes.

const NO_CAPS: BudgetCaps = { projectDay: null, projectMonth: null, userDay: null, userMonth: null, featureDay: null, featureMonth: null };
const now = new Date('2026-03-10T12:00:00Z');

describe('usage ledger', () => {
  let db: TestDatabase;
  let other: Pool;
  let ledgers: UsageLedger[];

  beforeAll(async () => {
    db = await createTestDatabase('usage_ledger');
    other = createPool(db.url, { max: 20 });
    // Each ledger batches its own concurrent calls: ten of them over two pools stand for ten processes.
    ledgers = Array.from({ length: 10 }, (_, i) => new UsageLedger(i % 2 ? other : db.pool));
  });
  afterAll(async () => {
    await other.end();
    await db.drop();
  });

  const admission = (projectId: string, over: Partial<Admission> = {}): Admission => ({
    responseId: newId('resp'),
    projectId,
    day: '2026-03-10',
    month: '2026-03',
    user: 'user-1',
    feature: 'checkout',
    reserveUsd: 0.01,
    turnLimit: null,
    caps: NO_CAPS,
    burst: null,
    now,
    ...over,
  });

  it('admits exactly as many concurrent turns as the budget covers, across processes', async () => {
    const projectId = newId('proj');
    const caps = { ...NO_CAPS, projectDay: 0.1 };
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => ledgers[i % 10].admit(admission(projectId, { caps, user: `user-${i % 7}` }))),
    );
    const admitted = results.filter((r) => r.ok);
    expect(admitted).toHaveLength(10);
    const refusal = results.find((r) => !r.ok);
    expect(refusal).toMatchObject({ ok: false, refusal: { reason: 'project_budget_exceeded', scope: 'project', period: '2026-03-10', limit: 0.1 } });
    const [projectDay] = (await ledgers[0].rows(projectId, '2026-03-10')).filter((r) => r.scope === 'project' && r.period === '2026-03-10');
    expect(projectDay).toMatchObject({ spentUsd: 0, reservedUsd: 0.1 });
  });

  it('settles with the actual cost and releases the rest of the reservation', async () => {
    const projectId = newId('proj');
    const caps = { ...NO_CAPS, userDay: 0.05 };
    const a = admission(projectId, { caps });
    expect(await ledgers[0].admit(a)).toEqual({ ok: true, admitted: 1 });
    expect(await ledgers[0].held(projectId)).toBe(1);
    await ledgers[1].settle({ ...a, costUsd: 0.004, messages: 2 });
    expect(await ledgers[0].held(projectId)).toBe(0);
    const rows = await ledgers[0].rows(projectId, '2026-03-10');
    expect(rows.map((r) => [r.scope, r.subject, r.period, r.spentUsd, r.reservedUsd])).toEqual([
      ['feature', 'checkout', '2026-03', 0.004, 0],
      ['feature', 'checkout', '2026-03-10', 0.004, 0],
      ['project', '', '2026-03', 0.004, 0],
      ['project', '', '2026-03-10', 0.004, 0],
      ['user', 'user-1', '2026-03', 0.004, 0],
      ['user', 'user-1', '2026-03-10', 0.004, 0],
    ]);
    expect(await ledgers[0].turns(projectId, '2026-03-10')).toEqual({ admitted: 1, counted: 1, messages: 2 });
    // The user's cap now has 0.046 left: a 0.05 reservation no longer fits, another user's does.
    const refused = await ledgers[0].admit(admission(projectId, { caps, reserveUsd: 0.05 }));
    expect(refused).toMatchObject({ ok: false, refusal: { reason: 'user_budget_exceeded', subject: 'user-1', limit: 0.05, used: 0.004 } });
    expect((await ledgers[0].admit(admission(projectId, { caps, reserveUsd: 0.05, user: 'user-2' }))).ok).toBe(true);
  });

  it('gives a released turn its slot and reservation back', async () => {
    const projectId = newId('proj');
    const first = admission(projectId, { turnLimit: 1 });
    expect((await ledgers[0].admit(first)).ok).toBe(true);
    expect(await ledgers[1].admit(admission(projectId, { turnLimit: 1 }))).toMatchObject({
      ok: false,
      refusal: { reason: 'daily_turn_limit_reached', limit: 1, used: 1 },
    });
    expect(await ledgers[1].release(first.responseId)).toBe(true);
    expect(await ledgers[1].release(first.responseId)).toBe(false);
    expect((await ledgers[0].admit(admission(projectId, { turnLimit: 1 }))).ok).toBe(true);
    const rows = await ledgers[0].rows(projectId, '2026-03-10');
    expect(rows.every((r) => r.spentUsd === 0 && r.reservedUsd === 0.01)).toBe(true);
  });

  it('reaches each threshold exactly once among concurrent turns', async () => {
    const projectId = newId('proj');
    const turns = Array.from({ length: 50 }, () => admission(projectId, { turnLimit: 20 }));
    const admitted = await Promise.all(turns.map((t, i) => ledgers[i % 10].admit(t)));
    expect(admitted.filter((r) => r.ok)).toHaveLength(20);
    const settled = turns.filter((_, i) => admitted[i].ok);
    const reached = (
      await Promise.all(settled.map((t, i) => ledgers[i % 10].settle({ ...t, costUsd: 0.001, messages: 2, turnLimit: 20 })))
    ).flat();
    expect(reached.map((r) => [r.thresholdPercent, r.agentTurnsCount, r.agentTurnsPerDay]).sort()).toEqual([
      [100, 20, 20],
      [80, 16, 20],
    ]);
    expect(reached.find((r) => r.thresholdPercent === 80)?.messagesCount).toBe(32);
  });

  it('meters a turn that was never admitted', async () => {
    const projectId = newId('proj');
    const t = admission(projectId);
    await ledgers[0].settle({ ...t, costUsd: 0.02, messages: 1, turnLimit: 1_000_000_000 });
    expect(await ledgers[0].turns(projectId, '2026-03-10')).toEqual({ admitted: 1, counted: 1, messages: 1 });
    expect((await ledgers[0].rows(projectId, '2026-03-10')).find((r) => r.scope === 'project' && r.period === '2026-03')?.spentUsd).toBe(0.02);
  });

  it('takes a burst bucket before anything else, and a refused burst reserves nothing', async () => {
    const projectId = newId('proj');
    const burst = { key: `user:${projectId}:user-1`, intervalMs: 5_000, periodMs: 10_000 };
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => ledgers[i % 10].admit(admission(projectId, { burst }))));
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, refusal: { reason: 'user_rate_limit_exceeded', retryAfterMs: 5_000 } });
    expect(await ledgers[0].turns(projectId, '2026-03-10')).toMatchObject({ admitted: 2 });
  });

  it('settles before it admits when both arrive in one round', async () => {
    const projectId = newId('proj');
    const caps = { ...NO_CAPS, projectDay: 0.015 };
    const ledger = new UsageLedger(db.pool);
    const first = admission(projectId, { caps });
    expect((await ledger.admit(first)).ok).toBe(true);
    // A call in flight makes the next three wait and go together, whatever order they came in.
    const busy = ledger.take(`key:${projectId}`, { limit: 5, periodMs: 1_000 }, now);
    const [second, reached, taken] = await Promise.all([
      ledger.admit(admission(projectId, { caps })),
      ledger.settle({ ...first, costUsd: 0.002, messages: 1 }),
      ledger.take(`key:${projectId}`, { limit: 5, periodMs: 1_000 }, now),
    ]);
    // 0.002 spent and 0.01 reserved fit in 0.015 only once the first turn gave back its reservation.
    expect(second).toEqual({ ok: true, admitted: 2 });
    expect(reached).toEqual([]);
    expect([(await busy).remaining, taken.remaining]).toEqual([4, 3]);
  });

  it('settles a turn once, however often its settlement is sent: in one round, later, or by another process', async () => {
    const projectId = newId('proj');
    const ledger = new UsageLedger(db.pool);
    const turn = admission(projectId, { reserveUsd: 0.02 });
    expect((await ledger.admit(turn)).ok).toBe(true);
    await Promise.all([ledger.settle({ ...turn, costUsd: 0.001, messages: 1 }), ledger.settle({ ...turn, costUsd: 0.001, messages: 1 })]);
    await ledgers[3].settle({ ...turn, costUsd: 0.001, messages: 1 });
    await Promise.all(ledgers.map((l) => l.settle({ ...turn, costUsd: 0.001, messages: 1 })));
    const [day] = (await ledger.rows(projectId, '2026-03-10')).filter((r) => r.scope === 'project' && r.period === '2026-03-10');
    expect(day).toMatchObject({ spentUsd: 0.001, reservedUsd: 0 });
    expect(await ledger.turns(projectId, '2026-03-10')).toEqual({ admitted: 1, counted: 1, messages: 1 });
    expect(await ledger.held(projectId)).toBe(0);
  });

  it('settles only a turn still holding its reservation when asked to (a turn left unsettled)', async () => {
    const projectId = newId('proj');
    const ledger = new UsageLedger(db.pool);
    // Never admitted: nothing to settle for the worker, where its own process would meter it.
    const unadmitted = admission(projectId);
    await ledger.settle({ ...unadmitted, costUsd: 0.5, messages: 1, onlyHeld: true });
    expect(await ledger.turns(projectId, '2026-03-10')).toEqual({ admitted: 0, counted: 0, messages: 0 });

    const held = admission(projectId, { reserveUsd: 0.03 });
    expect((await ledger.admit(held)).ok).toBe(true);
    await ledgers[5].settle({ ...held, costUsd: 0.004, messages: 2, onlyHeld: true });
    // Its own process, back after all, settles it too: counted once.
    await ledger.settle({ ...held, costUsd: 0.004, messages: 2 });
    const [day] = (await ledger.rows(projectId, '2026-03-10')).filter((r) => r.scope === 'project' && r.period === '2026-03-10');
    expect(day).toMatchObject({ spentUsd: 0.004, reservedUsd: 0 });
    expect(await ledger.turns(projectId, '2026-03-10')).toEqual({ admitted: 1, counted: 1, messages: 2 });
  });

  it('shares one rate limit between processes', async () => {
    const bucket = { limit: 10, periodMs: 60_000 };
    const states = await Promise.all(Array.from({ length: 30 }, (_, i) => ledgers[i % 10].take('key:shared', bucket, now)));
    expect(states.filter((s) => s.allowed)).toHaveLength(10);
    expect(states.filter((s) => !s.allowed).every((s) => s.retryAfterSeconds === 6 && s.remaining === 0)).toBe(true);
    expect((await ledgers[0].take('key:shared', bucket, new Date(now.getTime() + 5_999))).allowed).toBe(false);
    expect((await ledgers[1].take('key:shared', bucket, new Date(now.getTime() + 6_000))).allowed).toBe(true);
  });

  it('finds every row of a round by its key once its tables have grown under the plans it keeps', async () => {
    const projectId = newId('proj');
    const session = await db.pool.connect();
    try {
      // One connection: the round's plans are made on its first round, while the tables are small
      // (and known to be).
      await db.pool.query('analyze genaug_rate_limits, genaug_usage_ledger, genaug_turn_reservations');
      const ledger = new UsageLedger(session as unknown as Pool);
      const burst = { key: `user:${projectId}:user-1`, intervalMs: 1, periodMs: 1000 };
      const first = admission(projectId, { burst });
      await ledger.admit(first);
      const settled = ledger.settle({ ...first, costUsd: 0.001, messages: 2 });
      await ledger.flush();
      await settled;
      // Then a long-lived deployment's tables: many users' buckets and ledger rows, many turns' reservations.
      await db.pool.query(
        `insert into genaug_rate_limits (key, tat_ms) select 'user:proj_earlier:' || i, 0 from generate_series(1, 20000) i;
         insert into genaug_usage_ledger (project_id, scope, subject, period) select 'proj_earlier', 'user', 'user-' || i, '2026-03-10'
           from generate_series(1, 20000) i;
         insert into genaug_turn_reservations (response_id, project_id, day, month, reserved_usd, created_at)
           select 'resp_earlier_' || i, 'proj_earlier', '2026-03-10', '2026-03', 0.01, now() from generate_series(1, 20000) i`,
      );

      // Counts a session has not yet reported accumulate until it does, never inside a transaction.
      const seqScans = async () =>
        (
          await session.query<{ relname: string; n: number }>(
            `select relname, seq_scan::int as n from pg_stat_xact_user_tables
             where relname in ('genaug_rate_limits', 'genaug_usage_ledger', 'genaug_turn_reservations') order by relname`,
          )
        ).rows;
      await session.query('begin');
      const before = await seqScans();
      const next = admission(projectId, { burst });
      expect(await ledger.admit(next)).toMatchObject({ ok: true });
      const settledNext = ledger.settle({ ...next, costUsd: 0.001, messages: 2 });
      await ledger.flush();
      await settledNext;
      const after = await seqScans();
      await session.query('commit');
      expect(after.map((r, i) => [r.relname, r.n - before[i].n])).toEqual([
        ['genaug_rate_limits', 0],
        ['genaug_turn_reservations', 0],
        ['genaug_usage_ledger', 0],
      ]);
    } finally {
      session.release();
    }
  });
});
