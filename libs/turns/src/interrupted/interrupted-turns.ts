import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { logger, Periodic } from '@genaug/kernel';
import { PG_POOL } from '@genaug/event-store';
import { TurnResumer } from '../resume-turn/turn-resumer';
import { RUNNER_GONE_MS } from './runner-heartbeat';
import { TURNS_IN_FLIGHT_TABLE } from './turns-in-flight.projection';

const EVERY_MS = 3_000;
/** Sweeps that must find the database reachable before one takes a turn over (see `reached`). */
const SWEEPS_BEFORE_TAKING_OVER = 2;
/** Turns taken over at once by one worker. */
const AT_ONCE = 50;
/** A runner row not seen for this long belongs to a process long gone: it is forgotten. */
const FORGET_RUNNERS_AFTER = '1 day';
/** Turns started before runners had ids have no runner to ask after: these are left that long. */
const RUNNERLESS_AFTER = '1 hour';

/**
 * Worker housekeeping for turns whose process died mid-turn (killed, crashed, lost its host):
 * their runner stops beating, and the worker runs them again as their next attempt, so they end
 * (completed or failed) and are stored as if the client had stayed; an idempotent retry of
 * the request waiting for them gets their answer. Their admission still holds: they are not
 * counted again, and they settle what they cost.
 */
@Injectable()
export class InterruptedTurns {
  private readonly periodic = new Periodic(EVERY_MS, () => this.sweep());
  /** Turns this worker is running again: not taken twice while their new attempt is unseen. */
  private readonly running = new Map<string, Promise<void>>();
  /** Sweeps in a row that reached the database. */
  private reached = 0;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly resumer: TurnResumer,
  ) {}

  start(): void {
    this.periodic.start();
  }

  /** Stops looking and waits for the turns it is running to end. */
  async stop(): Promise<void> {
    await this.periodic.stop();
    await Promise.all(this.running.values());
  }

  /** Starts running again every turn whose runner is gone; resolves once they are started, not ended. */
  async sweep(): Promise<void> {
    try {
      const found = await this.pool.query<{ response_id: string; attempt: number }>(
        `select f.response_id, f.attempt from ${TURNS_IN_FLIGHT_TABLE} f
         where f.started_at < now() - $1 * interval '1 millisecond'
           and case when f.runner_id is null then f.started_at < now() - interval '${RUNNERLESS_AFTER}'
                    else not exists (select 1 from genaug_turn_runners r
                                     where r.runner_id = f.runner_id and r.seen_at > now() - $1 * interval '1 millisecond') end
         order by f.started_at limit $2`,
        [RUNNER_GONE_MS, AT_ONCE],
      );
      // A database that was unreachable was so for the runners too: their beats failed. Each
      // gets the time for a few beats once it is back before its silence means anything.
      if (++this.reached <= SWEEPS_BEFORE_TAKING_OVER) return;
      for (const { response_id: responseId, attempt } of found.rows) {
        if (this.running.has(responseId)) continue;
        logger.warn({ response_id: responseId, attempt }, 'turn interrupted with its process: running it again');
        const run = this.resumer
          .resume(responseId, attempt)
          .catch((err) => logger.error({ response_id: responseId, err: (err as Error).message }, 'interrupted turn could not be run again'))
          .finally(() => this.running.delete(responseId));
        this.running.set(responseId, run);
      }
      await this.pool.query(`delete from genaug_turn_runners where seen_at < now() - interval '${FORGET_RUNNERS_AFTER}'`);
    } catch (err) {
      this.reached = 0;
      logger.error({ err: (err as Error).message }, 'interrupted turns sweep failed');
    }
  }
}
