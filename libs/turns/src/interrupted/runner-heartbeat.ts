import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { logger, newId } from '@genaug/kernel';
import { PG_POOL } from '@genaug/event-store';

/** How often a runner says it is alive. */
export const HEARTBEAT_MS = 2_000;
/**
 * A runner not heard from for this long has stopped: its process died or lost the database
 * for longer than any turn could go on without it. Several beats, so a slow one is no death.
 */
export const RUNNER_GONE_MS = 10_000;

/**
 * This process's turn runner, and the row that tells the others it is alive (database time,
 * so clocks of different hosts never disagree). Every turn it starts names it in TurnStarted;
 * a turn left unfinished by a runner that stopped beating is taken over (InterruptedTurns).
 */
@Injectable()
export class RunnerHeartbeat {
  readonly id = newId('runner');
  private timer: NodeJS.Timeout | null = null;

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Beats once before the runner takes turns, then every HEARTBEAT_MS. */
  async start(): Promise<void> {
    if (this.timer) return;
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((err) => {
        if (this.timer) logger.warn({ runner: this.id, err: (err as Error).message }, 'runner heartbeat failed');
      });
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * Stops beating. The row stays: should a turn of this runner still be unfinished, it is
   * taken over once the row is old enough, as after a crash.
   */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async beat(): Promise<void> {
    await this.pool.query(
      `insert into genaug_turn_runners (runner_id) values ($1)
       on conflict (runner_id) do update set seen_at = now()`,
      [this.id],
    );
  }
}
