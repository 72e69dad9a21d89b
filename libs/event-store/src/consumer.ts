import type { Pool, PoolClient } from 'pg';
import { isConnectionFault, logger } from '@genaug/kernel';
import { advanceAndCommitSql, CHECKPOINT_MOVED, loadCheckpoint } from './checkpoints';
import { readAllVisible } from './event-store';
import { samePosition, type LogPosition, type StoredEvent } from './events';
import type { LogTail } from './log-tail';
import type { EventNotifier } from './notifier';
import type { Subscription } from './subscriptions';

export type ConsumerStatus = 'starting' | 'active' | 'standby' | 'failing' | 'stopped';

export interface ConsumerOptions {
  batchSize?: number;
  /** Polling fallback when no notification arrives. */
  pollMs?: number;
  /**
   * Least time between the starts of two batches woken by appends. Under load, wake-ups
   * arrive faster than batches finish; waiting this long lets one batch take many events
   * instead of each consumer running a transaction per append. Projections commands wait on
   * (`awaited`) use `awaitedCoalesceMs`.
   */
  coalesceMs?: number;
  awaitedCoalesceMs?: number;
  /** How often a standby instance tries to take over. */
  standbyMs?: number;
  /**
   * How long the stored checkpoint may stay behind when only events the consumer does not read
   * went by: each batch with events stores it at once; skipping costs no transaction.
   */
  idleCheckpointMs?: number;
  /** Called after each committed batch (progress bars, metrics). */
  onBatch?: (handled: number) => void;
  onError?: (err: Error) => void;
  /** Called whenever the consumer has handled the log up to a new position. */
  onAdvance?: (position: LogPosition) => void;
}

/** The notification payload that tells a consumer its checkpoint was reset (a rebuild). */
export const resetNotice = (name: string) => `reset:${name}`;

// Advisory lock keys: one per consumer name, in their own key space.
export const consumerLockKey = (name: string) => `genaug-consumer:${name}`;

/** Takes the consumer's session lock on this connection; false when another session holds it. */
export async function tryLockConsumer(client: PoolClient, name: string): Promise<boolean> {
  const res = await client.query('select pg_try_advisory_lock(hashtextextended($1, 0)) as ok', [consumerLockKey(name)]);
  return res.rows[0].ok === true;
}

export async function unlockConsumer(client: PoolClient, name: string): Promise<void> {
  await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [consumerLockKey(name)]);
}

/** True when some session, in any process, holds the consumer's lock (an instance is active). */
export async function isConsumerActive(runner: Pool | PoolClient, name: string): Promise<boolean> {
  // A bigint advisory key shows in pg_locks split into two unsigned halves.
  const res = await runner.query(
    `with k as (select hashtextextended($1, 0) as key)
     select exists (
       select 1 from pg_locks l, k
       where l.locktype = 'advisory' and l.objsubid = 1 and l.granted
         and l.database = (select oid from pg_database where datname = current_database())
         and l.classid = ((k.key >> 32) & 4294967295)::text::oid
         and l.objid = (k.key & 4294967295)::text::oid) as active`,
    [consumerLockKey(name)],
  );
  return res.rows[0].active === true;
}

/**
 * Runs one subscription: reads the visible log after its checkpoint in (transaction id,
 * position) order and hands batches over. Only one instance per name is active across all
 * processes (a session advisory lock); the others stand by and take over when it goes away.
 *
 * A current consumer takes its batches from the process's log tail, read once for all; one that
 * is behind reads the table itself. A batch with events costs one transaction whose checkpoint
 * update travels with its COMMIT; a batch of only unwanted events costs none.
 */
export class Consumer {
  status: ConsumerStatus = 'starting';
  lastError: string | null = null;
  readonly name: string;
  readonly types?: string[];

  private lockClient: PoolClient | null = null;
  private running = false;
  private wake: (() => void) | null = null;
  // Set by a wake-up that arrives while a batch is running, so the next sleep is skipped.
  private pending = false;
  private unsubscribe: (() => void)[] = [];
  private loop: Promise<void> | null = null;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly coalesceMs: number;
  private readonly idleCheckpointMs: number;
  private lastBatchAt = 0;
  private readonly standbyMs: number;
  /** Handled up to here (in memory); the stored checkpoint may be behind it. */
  private position: LogPosition | null = null;
  /** What the checkpoint row holds, as far as this instance knows. */
  private stored: LogPosition | null = null;
  private storedAt = 0;
  private reloadRequested = false;

  constructor(
    private readonly pool: Pool,
    readonly subscription: Subscription,
    private readonly notifier: EventNotifier | null,
    private readonly options: ConsumerOptions = {},
    private readonly tail: LogTail | null = null,
  ) {
    const s = subscription.kind === 'projection' ? subscription.projection : subscription.reactor;
    this.name = s.name;
    this.types = s.types;
    this.batchSize = options.batchSize ?? 500;
    this.pollMs = options.pollMs ?? 500;
    const awaited = subscription.kind === 'projection' && subscription.projection.awaited === true;
    this.coalesceMs = awaited ? (options.awaitedCoalesceMs ?? 5) : (options.coalesceMs ?? 25);
    this.standbyMs = options.standbyMs ?? 1000;
    this.idleCheckpointMs = options.idleCheckpointMs ?? 1000;
  }

  /** How far this instance has handled the log; null unless it is the active one. */
  handledThrough(): LogPosition | null {
    return this.status === 'active' && this.lockClient ? this.position : null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const woken = () => {
      this.pending = true;
      this.wake?.();
    };
    // With a tail, new events arrive through it; the notifier still brings reset notices.
    if (this.tail) this.unsubscribe.push(this.tail.onAdvance(woken));
    if (this.notifier) {
      this.unsubscribe.push(
        this.notifier.subscribe((payload) => {
          if (payload === resetNotice(this.name)) this.reloadRequested = true;
          else if (this.tail) return;
          woken();
        }),
      );
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.wake?.();
    await this.loop;
    this.status = 'stopped';
  }

  /** Handles everything visible now, then returns the number of events handled (used by rebuild and tests). */
  async catchUp(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await this.load(client);
      let total = 0;
      for (;;) {
        const n = await this.handleBatch(client, true);
        total += n.handled;
        if (!n.more) return total;
      }
    } finally {
      client.release();
    }
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      try {
        if (!this.lockClient && !(await this.acquire())) {
          this.status = 'standby';
          // A standby only retries the lock on its own clock: appends are the active one's business.
          await this.sleep(this.standbyMs, false);
          continue;
        }
        const since = Date.now() - this.lastBatchAt;
        if (since < this.coalesceMs) await new Promise((r) => setTimeout(r, this.coalesceMs - since));
        this.lastBatchAt = Date.now();
        this.pending = false;
        if (this.reloadRequested) await this.load(this.lockClient!);
        const batch = await this.handleBatch(this.lockClient!, false);
        this.lastError = null;
        this.status = 'active';
        backoff = 100;
        if (!batch.more && !(await this.sleep(this.pollMs)) && this.lockClient) {
          // Quiet for a while: look for anything a lost notification did not announce, and store a
          // position reached by skipping; with nothing to store, pick up a reset made without a
          // notice (storing would have found it).
          this.tail?.refresh();
          if (!(await this.storeIdle(this.lockClient, true))) await this.load(this.lockClient);
        }
      } catch (err) {
        const e = err as Error;
        this.lastError = e.message;
        this.status = 'failing';
        this.options.onError?.(e);
        logger.error({ consumer: this.name, err: e.message }, 'consumer batch failed');
        if (this.lockClient && isConnectionFault(e)) await this.releaseLock(true);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
    await this.releaseLock(false);
  }

  private async acquire(): Promise<boolean> {
    const client = await this.pool.connect();
    // The lock connection is held for as long as this instance is active; losing it must not
    // crash the process (the next batch fails and the lock is given up).
    client.on('error', ignoreError);
    try {
      if (await tryLockConsumer(client, this.name)) {
        this.lockClient = client;
        await this.load(client);
        return true;
      }
    } catch {
      /* treated as not acquired */
    }
    if (this.lockClient === client) {
      await this.releaseLock(true);
      return false;
    }
    // Pool clients are reused: remove the listener, or every standby attempt adds one more.
    client.off('error', ignoreError);
    client.release();
    return false;
  }

  private async load(client: PoolClient): Promise<void> {
    this.reloadRequested = false;
    this.stored = await loadCheckpoint(client, this.name);
    this.position = this.stored;
    this.storedAt = Date.now();
  }

  private async releaseLock(broken: boolean): Promise<void> {
    const client = this.lockClient;
    this.lockClient = null;
    if (!client) return;
    client.off('error', ignoreError);
    if (broken) {
      client.release(true);
      return;
    }
    try {
      await this.storeIdle(client, true).catch(() => undefined);
      await unlockConsumer(client, this.name);
      client.release();
    } catch {
      client.release(true);
    }
  }

  /** The next events: from the tail when it holds them, else from the table. */
  private async next(client: PoolClient): Promise<{ events: StoredEvent[]; position: LogPosition; more: boolean }> {
    const from = this.position!;
    const cached = this.tail?.readAfter(from, this.batchSize, this.types);
    if (cached) return cached;
    const read = await readAllVisible(client, { after: from, limit: this.batchSize, types: this.types });
    const more = read.scanned === this.batchSize;
    // Nothing visible after here right now: the tail can take over from this point.
    if (!more) this.tail?.seed(read.position);
    return { events: read.events, position: read.position, more };
  }

  /** One batch: for a projection, read model and checkpoint commit together. */
  private async handleBatch(client: PoolClient, storeEveryBatch: boolean): Promise<{ handled: number; more: boolean }> {
    const next = await this.next(client);
    const { position, more } = next;
    const sub = this.subscription;
    const events = sub.kind === 'reactor' && sub.reactor.accepts ? next.events.filter((e) => sub.reactor.accepts!(e)) : next.events;
    if (!events.length) {
      if (!samePosition(position, this.position!)) this.moved(position);
      await this.storeIdle(client, storeEveryBatch);
      return { handled: 0, more };
    }
    let committed: boolean;
    if (sub.kind === 'projection') committed = await this.commit(client, position, () => sub.projection.apply(events, client));
    else {
      await sub.reactor.react(events);
      committed = await this.commit(client, position);
    }
    if (!committed) return { handled: 0, more: true };
    this.moved(position);
    this.options.onBatch?.(events.length);
    return { handled: events.length, more };
  }

  /**
   * Stores a position reached by skipping events, when due (every skip would cost a commit);
   * true when it tried, having then either stored it or reloaded after a reset.
   */
  private async storeIdle(client: PoolClient, now: boolean): Promise<boolean> {
    if (!this.stored || !this.position || samePosition(this.stored, this.position)) return false;
    if (!now && Date.now() - this.storedAt < this.idleCheckpointMs) return false;
    await this.commit(client, this.position);
    return true;
  }

  /**
   * Moves the stored checkpoint to `position`, with a projection's read-model writes (`apply`)
   * in the same transaction, the checkpoint update travelling with COMMIT; false (and reloaded)
   * when a rebuild reset the checkpoint meanwhile. A lost commit only repeats the batch (read
   * model and checkpoint are lost together; a reactor's effects are idempotent by design): no
   * need to wait for the disk.
   */
  private async commit(client: PoolClient, position: LogPosition, apply?: () => Promise<void>): Promise<boolean> {
    const advance = advanceAndCommitSql(this.name, this.stored!, position);
    try {
      if (apply) {
        await client.query('begin; set local synchronous_commit = off');
        await apply();
        await client.query(advance);
      } else await client.query(`begin; set local synchronous_commit = off; ${advance}`);
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      if ((err as { code?: string }).code !== CHECKPOINT_MOVED) throw err;
      await this.load(client);
      return false;
    }
    this.stored = position;
    this.storedAt = Date.now();
    return true;
  }

  private moved(position: LogPosition): void {
    this.position = position;
    this.options.onAdvance?.(position);
  }

  /**
   * Waits `ms`, or less when stopped or (if `wakeOnEvents`) when events were appended; true
   * when something woke it before the time was up.
   */
  private sleep(ms: number, wakeOnEvents = true): Promise<boolean> {
    if (!this.running) return Promise.resolve(true);
    if (wakeOnEvents && this.pending) {
      this.pending = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.wake = null;
        resolve(woken);
      };
      const timer = setTimeout(() => done(false), ms);
      this.wake = () => {
        if (wakeOnEvents || !this.running) done(true);
      };
    });
  }
}

const ignoreError = () => undefined;

