import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { logger } from '@genaug/kernel';
import { EventNotifier, EventStore, PG_POOL } from '@genaug/event-store';
import { turnStream } from '../turn.events';

/** Where a cancellation is announced, so the process running the turn stops its model call at once. */
const CHANNEL = 'genaug_turn_cancels';

/** The reason a cancelled turn's model call was aborted with. */
export class TurnCancelledError extends Error {
  constructor(readonly responseId: string) {
    super(`Response ${responseId} was cancelled`);
  }
}

/**
 * The background turns this process runs, each with the signal that stops its model call when
 * the turn is cancelled, wherever the cancellation was asked for. The announcement only makes
 * the stop prompt: a runner that misses it still finds the cancellation when it records.
 */
@Injectable()
export class TurnCancels {
  private readonly running = new Map<string, AbortController>();

  constructor(
    notifier: EventNotifier,
    private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {
    notifier.onChannel(CHANNEL, (responseId) => (responseId === null ? void this.lookAgain() : this.stop(responseId)));
  }

  /** Watches a turn this process runs until `done`. */
  watch(responseId: string): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController();
    this.running.set(responseId, controller);
    return { signal: controller.signal, done: () => this.running.get(responseId) === controller && this.running.delete(responseId) };
  }

  /** Tells every process that the turn was cancelled (after its TurnCancelled is committed). */
  async announce(responseId: string): Promise<void> {
    await this.pool.query('select pg_notify($1, $2)', [CHANNEL, responseId]).catch((err) => {
      logger.warn({ response_id: responseId, err: (err as Error).message }, 'turn cancellation could not be announced');
    });
  }

  private stop(responseId: string): void {
    this.running.get(responseId)?.abort(new TurnCancelledError(responseId));
  }

  /** Announcements may have been missed while the connection was lost: each watched turn is read. */
  private async lookAgain(): Promise<void> {
    for (const responseId of [...this.running.keys()]) {
      const events = await this.store.readStream(turnStream(responseId)).catch(() => []);
      if (events.some((e) => e.type === 'TurnCancelled')) this.stop(responseId);
    }
  }
}
