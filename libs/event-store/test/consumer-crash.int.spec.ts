import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EventStore, loadCheckpoint, SubscriptionHost } from '@genaug/event-store';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { appliedEventsProjection } from '../../../test/support/fixtures/applied-events.projection';
import { CRASH_BATCH_SIZE, CRASH_PROJECTION, CRASH_TABLE } from '../../../test/support/fixtures/crash-consumer';
import { entry } from '../../../test/support/fixtures/sample-events';
import { appliedCounts, appliedRows, missingEvents, streamsOutOfOrder } from './support/read-model';

const SCRIPT = path.resolve(__dirname, '../../../dist/test/support/fixtures/crash-consumer.js');
const EVENTS = 600;
const KILLS = 3;
const BATCHES_BEFORE_PAUSE = 2;

/** Runs the consumer process until it prints `line` (or exits); resolves with what happened. */
function runUntil(env: NodeJS.ProcessEnv, line: string): Promise<{ child: ChildProcess; seen: boolean; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], { env: { ...process.env, NODE_ENV: 'test', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes(line + '\n')) resolve({ child, seen: true, code: null, stderr });
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ child, seen: out.includes(line + '\n'), code, stderr }));
  });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/**
 * A projection's read model and checkpoint commit together, so a consumer process killed in
 * the middle of a batch leaves nothing of that batch behind, and its successor neither loses
 * nor repeats an event.
 */
describe('a consumer process killed mid-batch', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    if (!fs.existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run npm run build first`);
    db = await createTestDatabase('crash');
    const store = new EventStore(db.pool);
    for (let i = 0; i < EVENTS; i += 10) {
      await store.append(`ledger-${(i / 10) % 9}`, Array.from({ length: 10 }, (_, k) => entry(0, i + k)));
    }
  });
  afterAll(() => db.drop());

  it('restarts without loss or duplicates and ends equal to a full rebuild', async () => {
    const env = { DATABASE_URL: db.url };
    for (let kill = 1; kill <= KILLS; kill++) {
      const run = await runUntil({ ...env, PAUSE_AFTER_BATCHES: String(BATCHES_BEFORE_PAUSE) }, 'mid-batch');
      expect({ seen: run.seen, stderr: run.stderr }).toEqual({ seen: true, stderr: '' });
      // Half of the current batch is written inside its open transaction at this point.
      run.child.kill('SIGKILL');
      await exited(run.child);

      const checkpoint = await loadCheckpoint(db.pool, CRASH_PROJECTION);
      const upToCheckpoint = (
        await db.pool.query(
          `select count(*)::int as n from genaug_events where (transaction_id, global_position) <= ($1::text::xid8, $2::bigint)`,
          [checkpoint.transactionId, checkpoint.globalPosition],
        )
      ).rows[0].n;
      const counts = await appliedCounts(db.pool, CRASH_TABLE);
      // Only whole committed batches, and exactly the events the checkpoint has passed.
      expect(counts).toEqual({ rows: kill * BATCHES_BEFORE_PAUSE * CRASH_BATCH_SIZE, distinct: kill * BATCHES_BEFORE_PAUSE * CRASH_BATCH_SIZE });
      expect(upToCheckpoint).toBe(counts.rows);
    }

    const last = await runUntil(env, 'caught-up');
    expect({ seen: last.seen, stderr: last.stderr }).toEqual({ seen: true, stderr: '' });
    await exited(last.child);
    expect(await appliedCounts(db.pool, CRASH_TABLE)).toEqual({ rows: EVENTS, distinct: EVENTS });
    expect(await missingEvents(db.pool, CRASH_TABLE)).toBe(0);
    expect(await streamsOutOfOrder(db.pool, CRASH_TABLE)).toEqual([]);

    const live = await appliedRows(db.pool, CRASH_TABLE);
    const host = new SubscriptionHost(db.pool, null);
    host.addProjection(appliedEventsProjection(CRASH_PROJECTION, CRASH_TABLE));
    await host.rebuild(CRASH_PROJECTION);
    expect(await appliedRows(db.pool, CRASH_TABLE)).toEqual(live);
  });
});
