import type { Pool, PoolClient } from 'pg';
import { logger } from '@genaug/kernel';
import { advanceCheckpoint, loadCheckpoint } from './checkpoints';
import { readAllVisible } from './event-store';
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
   * instead of each consumer running a transaction per append.
   */
  coalesceMs?: number;
  /** How often a standby instance tries to take over. */
  standbyMs?: number;
  /** Called after each committed batch (progress bars, metrics). */
  onBatch?: (handled: number) => void;
  onError?: (err: Error) => void;
}

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
 */
export class Consumer {
  status: ConsumerStatus = 'starting';
  lastError: string | null = null;
  readonly name: string;
  readonly types?: string[];

  private lockClient: PoolClient | null = null;
  private running = false;
  private wake: (() => void) | null = null;
  // Set by a notification that arrives while a batch is running, so the next sleep is skipped.
  private pending = false;
  private unsubscribe: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly coalesceMs: number;
  private lastBatchAt = 0;
  private readonly standbyMs: number;

  constructor(
    private readonly pool: Pool,
    readonly subscription: Subscription,
    private readonly notifier: EventNotifier | null,
    private readonly options: ConsumerOptions = {},
  ) {
    const s = subscription.kind === 'projection' ? subscription.projection : subscription.reactor;
    this.name = s.name;
    this.types = s.types;
    this.batchSize = options.batchSize ?? 500;
    this.pollMs = options.pollMs ?? 500;
    this.coalesceMs = options.coalesceMs ?? 10;
    this.standbyMs = options.standbyMs ?? 1000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.notifier?.subscribe(() => {
        this.pending = true;
        this.wake?.();
      }) ?? null;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
    this.status = 'stopped';
  }

  /** Handles everything visible now, then returns the number of events handled (used by rebuild and tests). */
  async catchUp(): Promise<number> {
    const client = await this.pool.connect();
    try {
      let total = 0;
      for (;;) {
        const n = await this.handleBatch(client);
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
        const batch = await this.handleBatch(this.lockClient!);
        this.lastError = null;
        this.status = 'active';
        backoff = 100;
        if (!batch.more) await this.sleep(this.pollMs);
      } catch (err) {
        const e = err as Error;
        this.lastError = e.message;
        this.status = 'failing';
        this.options.onError?.(e);
        logger.error({ consumer: this.name, err: e.message }, 'consumer batch failed');
        if (this.lockClient && isConnectionError(e)) await this.releaseLock(true);
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
        return true;
      }
    } catch {
      /* treated as not acquired */
    }
    // Pool clients are reused: remove the listener, or every standby attempt adds one more.
    client.off('error', ignoreError);
    client.release();
    return false;
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
      await unlockConsumer(client, this.name);
      client.release();
    } catch {
      client.release(true);
    }
  }

  /** One batch: for a projection, read model and checkpoint commit together. */
  private async handleBatch(client: PoolClient): Promise<{ handled: number; more: boolean }> {
    const sub = this.subscription;
    if (sub.kind === 'projection') {
      // Read model and checkpoint commit together, so a commit lost in a database crash loses
      // both and the batch is simply applied again: no need to wait for the disk here.
      await client.query('begin; set local synchronous_commit = off');
      try {
        const from = await loadCheckpoint(client, this.name);
        const { events, position } = await readAllVisible(client, { after: from, limit: this.batchSize, types: this.types });
        if (position.globalPosition === from.globalPosition && position.transactionId === from.transactionId) {
          await client.query('commit');
          return { handled: 0, more: false };
        }
        if (events.length) await sub.projection.apply(events, client);
        if (!(await advanceCheckpoint(client, this.name, from, position))) {
          await client.query('rollback');
          return { handled: 0, more: true };
        }
        await client.query('commit');
        this.options.onBatch?.(events.length);
        return { handled: events.length, more: true };
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      }
    }
    const from = await loadCheckpoint(client, this.name);
    const { events, position } = await readAllVisible(client, { after: from, limit: this.batchSize, types: this.types });
    if (position.globalPosition === from.globalPosition && position.transactionId === from.transactionId) {
      return { handled: 0, more: false };
    }
    if (events.length) await sub.reactor.react(events);
    // A lost checkpoint only repeats effects that are idempotent by design: no disk wait.
    await client.query('begin; set local synchronous_commit = off');
    await advanceCheckpoint(client, this.name, from, position);
    await client.query('commit');
    this.options.onBatch?.(events.length);
    return { handled: events.length, more: true };
  }

  /** Waits `ms`, or less when stopped or (if `wakeOnEvents`) when events were appended. */
  private sleep(ms: number, wakeOnEvents = true): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (wakeOnEvents && this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = () => {
        if (wakeOnEvents || !this.running) done();
      };
    });
  }
}

const ignoreError = () => undefined;

function isConnectionError(err: Error): boolean {
  return /Connection terminated|ECONNRESET|connection|terminat/i.test(err.message);
}
