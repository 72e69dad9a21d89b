import { InterruptedTurns } from '../src/interrupted/interrupted-turns';
import { turnsInFlightProjection } from '../src/interrupted/turns-in-flight.projection';
import type { TurnResumer } from '../src/resume-turn/turn-resumer';
import { createPool } from '@genaug/event-store';
import { startPgProxy } from '../../../test/support/pg-proxy';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';

// Which turns in flight the worker takes over: those whose runner stopped beating, and only
// once they and their runner's silence are older than a runner may go without a beat.

describe('interrupted turns', () => {
  let db: TestDatabase;
  const taken: Array<[string, number]> = [];
  const resumer = { resume: async (responseId: string, after: number) => void taken.push([responseId, after]) } as unknown as TurnResumer;

  beforeAll(async () => {
    db = await createTestDatabase('interrupted_turns');
    const client = await db.pool.connect();
    await turnsInFlightProjection.setup(client);
    client.release();
  });
  afterAll(() => db.drop());

  it('takes over turns of runners gone silent, at the attempt it found, and leaves the rest', async () => {
    await db.pool.query(`
      insert into genaug_turn_runners (runner_id, started_at, seen_at) values
        ('runner_alive', now() - interval '1 hour', now() - interval '1 second'),
        ('runner_dead', now() - interval '1 hour', now() - interval '30 seconds'),
        ('runner_just_dead', now() - interval '1 hour', now() - interval '11 seconds');
      insert into genaug_turns_in_flight (response_id, project_id, runner_id, attempt, started_at) values
        ('resp_alive', 'proj_a', 'runner_alive', 1, now() - interval '10 minutes'),
        ('resp_dead', 'proj_a', 'runner_dead', 2, now() - interval '1 minute'),
        ('resp_just_dead', 'proj_a', 'runner_just_dead', 1, now() - interval '20 seconds'),
        ('resp_unknown_runner', 'proj_a', 'runner_never_seen', 1, now() - interval '1 minute'),
        ('resp_just_started', 'proj_a', 'runner_never_seen', 1, now() - interval '2 seconds'),
        ('resp_old_runnerless', 'proj_a', null, 1, now() - interval '2 hours'),
        ('resp_recent_runnerless', 'proj_a', null, 1, now() - interval '5 minutes');`);
    const sweeper = new InterruptedTurns(db.pool, resumer);
    // The first sweeps only learn that the database is reachable.
    await sweeper.sweep();
    await sweeper.sweep();
    expect(taken).toEqual([]);
    await sweeper.sweep();
    await sweeper.stop();
    expect(taken.sort()).toEqual([
      ['resp_dead', 2],
      ['resp_just_dead', 1],
      ['resp_old_runnerless', 1],
      ['resp_unknown_runner', 1],
    ]);
  });

  it('takes nothing over until the database has been reachable again for a few sweeps', async () => {
    const proxy = await startPgProxy(db.url);
    const pool = createPool(proxy.url, { max: 2 });
    const sweeper = new InterruptedTurns(pool, resumer);
    const sweep = async () => {
      taken.length = 0;
      await sweeper.sweep();
      return taken.length;
    };
    try {
      expect([await sweep(), await sweep(), await sweep()]).toEqual([0, 0, 4]);
      await proxy.cut();
      expect(await sweep()).toBe(0);
      await proxy.restore();
      // Runners whose beats failed with the sweeps get their chance to beat first.
      expect([await sweep(), await sweep(), await sweep()]).toEqual([0, 0, 4]);
    } finally {
      await sweeper.stop();
      await pool.end();
      await proxy.close();
    }
  });

  it('keeps the in-flight rows as the turns go: started, started again, ended', async () => {
    const client = await db.pool.connect();
    try {
      const at = new Date('2026-11-20T10:00:00Z');
      const event = (stream: string, type: string, data: object) => ({ streamId: stream, type, data, projectId: 'proj_b', recordedAt: at }) as any;
      await turnsInFlightProjection.apply(
        [
          event('turn-resp_b1', 'TurnStarted', { attempt: 1, runner: 'runner_x' }),
          event('turn-resp_b2', 'TurnStarted', { attempt: 1, runner: 'runner_x' }),
          event('turn-resp_b2', 'TurnCompleted', {}),
          event('turn-resp_b3', 'TurnStarted', { attempt: 1 }),
        ],
        client,
      );
      await turnsInFlightProjection.apply(
        [event('turn-resp_b1', 'TurnStarted', { attempt: 2, runner: 'runner_y' }), event('turn-resp_b3', 'TurnFailed', {})],
        client,
      );
      const rows = await client.query("select response_id, runner_id, attempt from genaug_turns_in_flight where project_id = 'proj_b'");
      expect(rows.rows).toEqual([{ response_id: 'resp_b1', runner_id: 'runner_y', attempt: 2 }]);
    } finally {
      client.release();
    }
  });
});
