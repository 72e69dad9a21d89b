import type { Pool } from 'pg';
import type { EventNotifier } from './notifier';

/**
 * Waits until a projection has applied the event at `globalPosition`, so a command's caller
 * can read its own write (create a key, then use it at once). Checkpoints order by
 * (transaction id, position), so the event's transaction id is looked up first.
 */
export class ReadYourWrites {
  constructor(
    private readonly pool: Pool,
    private readonly notifier: EventNotifier | null,
  ) {}

  async waitFor(projection: string, globalPosition: number, timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let wake: (() => void) | null = null;
    const unsubscribe = this.notifier?.subscribe(() => wake?.()) ?? (() => undefined);
    try {
      for (;;) {
        const res = await this.pool.query(
          `select c.transaction_id > e.transaction_id
               or (c.transaction_id = e.transaction_id and c.global_position >= e.global_position) as done
           from genaug_events e left join genaug_checkpoints c on c.consumer = $2
           where e.global_position = $1`,
          [globalPosition, projection],
        );
        if (res.rows[0]?.done) return true;
        if (Date.now() >= deadline) return false;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 25);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    } finally {
      unsubscribe();
    }
  }
}
