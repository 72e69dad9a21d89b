import type { Pool } from 'pg';
import { logger } from '@genaug/kernel';
import { toStoredEvent } from './event-store';
import { compareLogPositions, type LogPosition, type StoredEvent } from './events';
import type { EventNotifier } from './notifier';

export interface LogTailOptions {
  /** Most recent events kept; a consumer further behind reads the table itself. */
  maxEvents?: number;
  /** Events fetched per query. */
  readLimit?: number;
  /**
   * When committed events are still hidden behind an older running transaction (often another
   * consumer's batch, which sends no notification when it ends), look again after this long.
   */
  heldRetryMs?: number;
  /**
   * Least time between the starts of two reads woken by appends. Under load notifications come
   * faster than reads finish; one read then brings many appends. No longer than the shortest
   * time a consumer lets events gather (`awaitedCoalesceMs`), so it delays none of them.
   */
  minReadIntervalMs?: number;
}

export interface TailRead {
  events: StoredEvent[];
  position: LogPosition;
  /** The limit cut the read short. */
  more: boolean;
}

/**
 * The recent end of the global log, read once per process for every consumer in it. Each wake-up
 * costs one query instead of one per consumer, and a consumer that is current takes its next
 * batch from memory. It holds every visible event after `from` up to `head`, in (transaction
 * id, position) order; it starts where the first consumer to reach the end of the log stood.
 */
export class LogTail {
  private events: StoredEvent[] = [];
  private from: LogPosition | null = null;
  private head: LogPosition | null = null;
  private readonly listeners = new Set<() => void>();
  private running: Promise<void> | null = null;
  private again = false;
  private heldTimer: NodeJS.Timeout | null = null;
  private spacingTimer: NodeJS.Timeout | null = null;
  private lastReadAt = 0;
  private unsubscribe: (() => void) | null = null;
  private stopped = true;
  private readonly maxEvents: number;
  private readonly readLimit: number;
  private readonly heldRetryMs: number;
  private readonly minReadIntervalMs: number;

  constructor(
    private readonly pool: Pool,
    private readonly notifier: EventNotifier | null,
    options: LogTailOptions = {},
  ) {
    this.maxEvents = options.maxEvents ?? 10_000;
    this.readLimit = options.readLimit ?? 2000;
    this.heldRetryMs = options.heldRetryMs ?? 5;
    this.minReadIntervalMs = options.minReadIntervalMs ?? 5;
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.notifier?.subscribe(() => this.refresh()) ?? null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const timer of [this.heldTimer, this.spacingTimer]) if (timer) clearTimeout(timer);
    this.heldTimer = this.spacingTimer = null;
    await this.running;
  }

  /** Called after the tail has new events. */
  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts the tail at `position`, where a consumer found nothing visible after it. Every event
   * after it is visible later or not yet committed, so reading on from there misses nothing.
   */
  seed(position: LogPosition): void {
    if (this.from || this.stopped) return;
    this.from = position;
    this.head = position;
    this.refresh();
  }

  /**
   * The events after `after` (all, or those of `types`), up to `limit` scanned; null when the
   * tail does not hold that part of the log and the consumer must read it itself.
   */
  readAfter(after: LogPosition, limit: number, types?: string[]): TailRead | null {
    if (!this.from || !this.head) return null;
    if (compareLogPositions(after, this.from) < 0 || compareLogPositions(after, this.head) > 0) return null;
    const from = this.firstAfter(after);
    const to = Math.min(this.events.length, from + limit);
    if (from === to) return { events: [], position: after, more: false };
    const last = this.events[to - 1];
    const slice = this.events.slice(from, to);
    return {
      events: types && types.length ? slice.filter((e) => types.includes(e.type)) : slice,
      position: { transactionId: last.transactionId, globalPosition: last.globalPosition },
      more: to < this.events.length,
    };
  }

  /**
   * Reads what became visible: one query at a time, and one more if asked again meanwhile, at
   * most one every `minReadIntervalMs`.
   */
  refresh(): void {
    if (this.stopped || !this.head) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = this.lastReadAt + this.minReadIntervalMs - Date.now();
    if (wait > 0) {
      this.spacingTimer ??= setTimeout(() => {
        this.spacingTimer = null;
        this.refresh();
      }, wait);
      return;
    }
    this.lastReadAt = Date.now();
    this.again = false;
    this.running = this.readLoop().finally(() => {
      this.running = null;
      if (this.again) this.refresh();
    });
  }

  /** Reads until the tail is at the visible end of the log (a read the limit cut short goes on at once). */
  private async readLoop(): Promise<void> {
    try {
      while ((await this.readOnce()) && !this.stopped);
    } catch (err) {
      // Consumers poll as well: a failed read only delays them.
      logger.warn({ err: (err as Error).message }, 'log tail read failed');
    }
  }

  /** One read; true when its limit cut it short. */
  private async readOnce(): Promise<boolean> {
    const head = this.head!;
    // `held`: committed events exist that are not yet visible (an older transaction still runs).
    // Both reads are sql/007-log-reads.sql; a row of nulls stands for no visible event.
    const res = await this.pool.query({
      name: 'genaug_log_tail',
      text: 'select h.held, v.* from genaug_log_held($1, $2) as h(held) left join lateral genaug_read_all($1, $2, $3, null) v on true',
      values: [head.transactionId, head.globalPosition, this.readLimit],
    });
    const rows = res.rows.filter((r) => r.global_position !== null);
    if (rows.length) {
      for (const r of rows) this.events.push(toStoredEvent(r));
      const last = this.events[this.events.length - 1];
      this.head = { transactionId: last.transactionId, globalPosition: last.globalPosition };
      this.trim();
      for (const l of this.listeners) l();
    }
    if (res.rows[0]?.held && !this.heldTimer && !this.stopped) {
      this.heldTimer = setTimeout(() => {
        this.heldTimer = null;
        this.refresh();
      }, this.heldRetryMs);
    }
    return rows.length === this.readLimit;
  }

  private trim(): void {
    const extra = this.events.length - this.maxEvents;
    if (extra <= 0) return;
    const dropped = this.events[extra - 1];
    this.from = { transactionId: dropped.transactionId, globalPosition: dropped.globalPosition };
    this.events = this.events.slice(extra);
  }

  /** Index of the first held event after `p` (binary search). */
  private firstAfter(p: LogPosition): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareLogPositions(this.events[mid], p) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
