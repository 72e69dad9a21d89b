import type { Pool } from 'pg';
import { advancesChannel, type Advance } from './advances';
import { compareLogPositions, type LogPosition } from './events';
import type { SubscriptionHost } from './subscription-host';

interface Waiter {
  projection: string;
  target: LogPosition;
  deadline: number;
  resolve: (done: boolean) => void;
}

// How often stored checkpoints are read while someone waits on a projection another process runs.
const POLL_MS = 10;

/**
 * Waits until a projection has applied the event at `globalPosition`, so a command's caller
 * can read its own write (create a key, then use it at once). Checkpoints order by
 * (transaction id, position), so the event's transaction id is looked up first. An awaited
 * projection this process runs, on any of its threads, tells its progress directly; for the
 * others, one query per tick reads the stored checkpoints for every waiter at once.
 */
export class ReadYourWrites {
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | null = null;
  private channel: ReturnType<typeof advancesChannel> | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly host: SubscriptionHost | null = null,
  ) {}

  private advanced(name: string, position: LogPosition): void {
    for (const w of this.waiters) if (w.projection === name && compareLogPositions(position, w.target) >= 0) this.settle(w, true);
  }

  /** Hears the consumers of every thread of this process (the worker thread's under npm start). */
  private listen(): void {
    if (this.channel) return;
    this.channel = advancesChannel(this.pool);
    this.channel.onmessage = (msg) => {
      const { consumer, position } = (msg as { data: Advance }).data;
      this.advanced(consumer, position);
    };
  }

  /** `event`: its global position, or its full log position when the append returned it. */
  async waitFor(projection: string, event: number | LogPosition, timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const target = typeof event === 'number' ? await this.positionOf(event, deadline) : event;
    if (!target) return false;
    const local = this.host?.handledThrough(projection);
    if (local && compareLogPositions(local, target) >= 0) return true;
    this.listen();
    return new Promise<boolean>((resolve) => {
      this.waiters.add({ projection, target, deadline, resolve });
      this.schedule();
    });
  }

  /** The event's log position; it may take a moment to be visible to this connection's snapshot. */
  private async positionOf(globalPosition: number, deadline: number): Promise<LogPosition | null> {
    for (;;) {
      const res = await this.pool.query({
        name: 'genaug_ryw_position',
        text: 'select transaction_id::text as tx from genaug_events where global_position = $1',
        values: [globalPosition],
      });
      if (res.rowCount) return { transactionId: res.rows[0].tx, globalPosition };
      if (Date.now() >= deadline) return null;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private schedule(): void {
    if (this.timer || this.waiters.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.poll()
        .catch(() => undefined)
        .finally(() => this.schedule());
    }, POLL_MS);
  }

  private async poll(): Promise<void> {
    const now = Date.now();
    const remote = new Set<string>();
    for (const w of this.waiters) {
      const local = this.host?.handledThrough(w.projection);
      if (local && compareLogPositions(local, w.target) >= 0) this.settle(w, true);
      else if (now >= w.deadline) this.settle(w, false);
      else if (!local) remote.add(w.projection);
    }
    if (!remote.size) return;
    const res = await this.pool.query({
      name: 'genaug_ryw_checkpoints',
      text: 'select consumer, transaction_id::text as tx, global_position from genaug_checkpoints where consumer = any($1)',
      values: [[...remote]],
    });
    const stored = new Map<string, LogPosition>(
      res.rows.map((r) => [r.consumer, { transactionId: r.tx, globalPosition: Number(r.global_position) }]),
    );
    for (const w of this.waiters) {
      const p = stored.get(w.projection);
      if (p && compareLogPositions(p, w.target) >= 0) this.settle(w, true);
    }
  }

  /** Stops listening to other threads; waiters still pending give up. */
  close(): void {
    this.channel?.close();
    this.channel = null;
    for (const w of this.waiters) this.settle(w, false);
  }

  private settle(w: Waiter, done: boolean): void {
    if (!this.waiters.delete(w)) return;
    w.resolve(done);
  }
}
