import { EventStore, Sealer, SubscriptionHost } from '@genaug/event-store';
import { ManualClock, newId } from '@genaug/kernel';
import type { ProjectView } from '@genaug/projects';
import { usageCsv } from '../src/usage/usage-csv';
import { usageProjection } from '../src/usage/usage.projection';
import { UsageReader } from '../src/usage/usage-reader';
import { USAGE_GROUPS } from '../src/usage/usage-report';
import { waitUntil } from '../../event-store/test/support/read-model';
import { createTestDatabase, testMasterKey, type TestDatabase } from '../../../test/support/test-database';
import { appendTurn } from './support/turn-log';

const TURNS = 1000;
const USERS = ['user-a', 'user-b', 'user-c'];
const FEATURES = ['support', 'search'];
const DAYS = ['2026-03-01', '2026-03-02', '2026-03-03'];

describe('usage projection', () => {
  let db: TestDatabase;
  let host: SubscriptionHost;
  let reader: UsageReader;
  const projectId = newId('proj');
  const project = { id: projectId, slug: 'usage', name: 'Usage', settings: { timezone: 'UTC' } } as ProjectView;
  const expected = { turns: new Map<string, number>(), errors: 0 };

  beforeAll(async () => {
    db = await createTestDatabase('audit_usage');
    const store = new EventStore(db.pool);
    const sealer = new Sealer(db.pool, testMasterKey);
    // Small batches, consumed live while turns are written: many batch boundaries to get right.
    host = new SubscriptionHost(db.pool, null, { batchSize: 37, pollMs: 5 });
    host.addProjection(usageProjection);
    await host.setup();
    host.start();
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let i = 0; i < TURNS; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, TURNS - i) }, async (_, j) => {
          const n = i + j;
          const user = USERS[n % 3];
          const failed = random() < 0.1;
          expected.turns.set(user, (expected.turns.get(user) ?? 0) + 1);
          if (failed) expected.errors++;
          await appendTurn(store, sealer, {
            projectId,
            user,
            feature: FEATURES[Math.floor(n / 3) % 2],
            day: DAYS[n % DAYS.length],
            modelCalls: [
              {
                model: n % 5 === 0 ? 'local-complex' : 'local-balanced',
                inputTokens: 1 + Math.floor(random() * 900),
                outputTokens: Math.floor(random() * 400),
                // Decimals floats cannot add exactly: the rollup must still match the log to the digit.
                costUsd: Math.round(random() * 1e7) / 1e9,
                ...(failed ? { outcome: 'error' as const, error: 'boom' } : {}),
              },
            ],
            ...(failed ? { failure: { code: 'model_error', message: 'boom', statusCode: 502 } } : {}),
          });
        }),
      );
    }
    await waitUntil('usage has caught up', async () => (await host.states())[0].lagEvents === 0);
    await host.stop();
    reader = new UsageReader(db.pool, new ManualClock(new Date('2026-03-03T12:00:00Z')));
  });
  afterAll(() => db.drop());

  it('rolls up exactly what the log records, day by day', async () => {
    const fromLog = await db.pool.query(
      `select data->>'day' as day, data->>'user' as user_id, coalesce(data->>'feature', '') as feature, coalesce(data->>'model', '') as model,
         count(*)::int as agent_turns, sum((data->>'messages')::int)::int as messages,
         sum((data->'usage'->>'input_tokens')::int)::int as input_tokens, sum((data->'usage'->>'output_tokens')::int)::int as output_tokens,
         sum((data->>'cost_usd')::numeric)::text as cost_usd, (count(*) filter (where data->>'outcome' = 'failed'))::int as errors
       from genaug_events where type = 'UsageRecorded' and project_id = $1
       group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
      [projectId],
    );
    const rollups = await db.pool.query(
      `select to_char(day, 'YYYY-MM-DD') as day, user_id, feature, model, agent_turns::int, messages::int, input_tokens::int,
         output_tokens::int, cost_usd::text, errors::int
       from genaug_usage_daily where project_id = $1 order by 1, 2, 3, 4`,
      [projectId],
    );
    expect(rollups.rows).toEqual(fromLog.rows);
    expect(rollups.rows.reduce((s, r) => s + r.agent_turns, 0)).toBe(TURNS);
  });

  it('reports every grouping with the same totals as the log, and the CSV carries the same figures', async () => {
    const total = (
      await db.pool.query(
        `select count(*)::int as turns, sum((data->>'cost_usd')::numeric)::text as cost,
           sum((data->'usage'->>'input_tokens')::int)::int as input_tokens
         from genaug_events where type = 'UsageRecorded' and project_id = $1`,
        [projectId],
      )
    ).rows[0];
    for (const group_by of USAGE_GROUPS) {
      const usage = await reader.read(project, { start_date: '2026-03-01', end_date: '2026-03-03', group_by });
      expect(usage.totals).toMatchObject({ agent_turns: TURNS, errors: expected.errors, input_tokens: total.input_tokens, costText: total.cost });
      expect(usage.rows.reduce((s, r) => s + r.agent_turns, 0)).toBe(TURNS);
      const csv = usageCsv(usage).trim().split('\r\n');
      expect(csv[0]).toBe(`${group_by},agent_turns,messages,input_tokens,output_tokens,cached_tokens,reasoning_tokens,total_tokens,cost_usd,errors`);
      expect(csv).toHaveLength(usage.rows.length + 2);
      for (const [i, row] of usage.rows.entries()) {
        const cells = csv[i + 1].split(',');
        expect(cells[0]).toBe(row.key ?? '');
        expect(Number(cells[1])).toBe(row.agent_turns);
        expect(cells[8]).toBe(row.costText);
      }
      expect(csv[csv.length - 1].split(',')[8]).toBe(total.cost);
    }
    const byUser = await reader.read(project, { start_date: '2026-03-01', end_date: '2026-03-03', group_by: 'user' });
    expect(Object.fromEntries(byUser.rows.map((r) => [r.key, r.agent_turns]))).toEqual(Object.fromEntries(expected.turns));
    const byFeature = await reader.read(project, { start_date: '2026-03-01', end_date: '2026-03-03', group_by: 'feature' });
    expect(byFeature.rows.map((r) => r.key)).toEqual(['search', 'support']);
  });

  it('covers the days asked for, with empty days as zeros, and defaults to the last 30 project days', async () => {
    const twoDays = await reader.read(project, { start_date: '2026-03-02', end_date: '2026-03-04', group_by: 'day' });
    expect(twoDays.rows.map((r) => r.key)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
    expect(twoDays.rows[2].agent_turns).toBe(0);
    expect(twoDays.totals.agent_turns).toBe(twoDays.rows[0].agent_turns + twoDays.rows[1].agent_turns);
    const fallback = await reader.read(project, { group_by: 'day' });
    expect([fallback.start, fallback.end]).toEqual(['2026-02-02', '2026-03-03']);
    expect(fallback.totals.agent_turns).toBe(TURNS);
    const oneUser = await reader.read(project, { start_date: '2026-03-01', end_date: '2026-03-03', group_by: 'model', user: 'user-b' });
    expect(oneUser.totals.agent_turns).toBe(expected.turns.get('user-b'));
  });
});
