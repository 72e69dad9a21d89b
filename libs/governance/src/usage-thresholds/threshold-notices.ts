import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { logger } from '@genaug/kernel';
import { EventStore, PG_POOL } from '@genaug/event-store';
import { ledgerStream, uuidFromName } from '../governance.events';
import type { ReachedThreshold } from '../usage-ledger';

const UNIQUE_VIOLATION = '23505';

/**
 * Turns thresholds the ledger reached into `UsageThresholdReached` events on the day's ledger
 * stream. The ledger decides each threshold once (its primary key); the event id is derived
 * from it, so recording it again, after a crash or from another process, stores nothing new.
 */
@Injectable()
export class ThresholdNotices {
  constructor(
    private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async record(reached: ReachedThreshold[], now: Date): Promise<void> {
    for (const t of reached) {
      try {
        await this.store.append(
          ledgerStream(t.projectId, t.day),
          [
            {
              type: 'UsageThresholdReached',
              eventId: uuidFromName(`usage-threshold:${t.projectId}:${t.day}:${t.thresholdPercent}`),
              data: {
                date: t.day,
                threshold_percent: t.thresholdPercent,
                agent_turns_count: t.agentTurnsCount,
                agent_turns_per_day: t.agentTurnsPerDay,
                messages_count: t.messagesCount,
                reached_at: now.toISOString(),
              },
              metadata: { project_id: t.projectId, actor: 'system:governance' },
            },
          ],
          { expectedVersion: 'any' },
        );
      } catch (err) {
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      }
      await this.pool.query(
        'update genaug_usage_thresholds set recorded_at = $4 where project_id = $1 and day = $2 and threshold_percent = $3',
        [t.projectId, t.day, t.thresholdPercent, now],
      );
    }
  }

  /** Records thresholds reached before `cutoff` whose event is missing (their process died in between). */
  async recordLeftBehind(cutoff: Date, now: Date): Promise<number> {
    const res = await this.pool.query(
      `select project_id, day, threshold_percent, agent_turns_count, agent_turns_per_day, messages_count
       from genaug_usage_thresholds where recorded_at is null and reached_at < $1 order by reached_at limit 100`,
      [cutoff],
    );
    const reached = res.rows.map((r) => ({
      projectId: r.project_id,
      day: r.day,
      thresholdPercent: r.threshold_percent,
      agentTurnsCount: r.agent_turns_count,
      agentTurnsPerDay: r.agent_turns_per_day,
      messagesCount: Number(r.messages_count),
    }));
    if (reached.length) logger.warn({ count: reached.length }, 'recording usage thresholds left behind');
    await this.record(reached, now);
    return reached.length;
  }
}
