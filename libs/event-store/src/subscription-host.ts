import type { Pool } from 'pg';
import { consumerLag, resetCheckpoint, type ConsumerLag } from './checkpoints';
import { Consumer, isConsumerActive, resetNotice, tryLockConsumer, unlockConsumer, type ConsumerOptions, type ConsumerStatus } from './consumer';
import type { LogPosition } from './events';
import { advancesChannel, type Advance } from './advances';
import { inTransaction } from './database';
import { LogTail } from './log-tail';
import type { EventNotifier } from './notifier';
import type { Projection, Reactor, Subscription } from './subscriptions';

export interface SubscriptionState extends ConsumerLag {
  kind: 'projection' | 'reactor';
  /** This process's consumer, if it runs one. */
  status: ConsumerStatus | 'not_running';
  /** Some instance, in this or another process, holds the consumer's lock and is consuming. */
  active: boolean;
  lastError: string | null;
}

export interface RebuildProgress {
  handled: number;
  total: number;
}

/**
 * Owns every projection and reactor of a process: creates projection tables, runs one
 * consumer per subscription, reports their lag, and rebuilds a projection from the log.
 */
export class SubscriptionHost {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly consumers = new Map<string, Consumer>();
  private readonly errorListeners = new Set<(consumer: string, err: Error) => void>();
  private readonly tail: LogTail;
  private channel: ReturnType<typeof advancesChannel> | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly notifier: EventNotifier | null,
    private readonly options: ConsumerOptions = {},
  ) {
    this.tail = new LogTail(pool, notifier);
  }

  /** How far this process's consumer has handled the log; null when it does not run the active one. */
  handledThrough(name: string): LogPosition | null {
    return this.consumers.get(name)?.handledThrough() ?? null;
  }

  /** Told of every failed batch of a consumer this process runs (metrics count them). */
  onConsumerError(listener: (consumer: string, err: Error) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  addProjection(projection: Projection): void {
    this.add(projection.name, { kind: 'projection', projection });
  }

  addReactor(reactor: Reactor): void {
    this.add(reactor.name, { kind: 'reactor', reactor });
  }

  private add(name: string, sub: Subscription): void {
    if (this.subscriptions.has(name)) throw new Error(`subscription ${name} registered twice`);
    this.subscriptions.set(name, sub);
  }

  names(): string[] {
    return [...this.subscriptions.keys()];
  }

  projection(name: string): Projection | undefined {
    const s = this.subscriptions.get(name);
    return s?.kind === 'projection' ? s.projection : undefined;
  }

  /** Creates every projection's tables (idempotent). */
  async setup(): Promise<void> {
    const client = await this.pool.connect();
    try {
      for (const sub of this.subscriptions.values()) {
        if (sub.kind === 'projection') await sub.projection.setup(client);
      }
    } finally {
      client.release();
    }
  }

  /** Starts a consumer for each subscription (or only the named ones). */
  start(only?: (sub: Subscription, name: string) => boolean): void {
    this.tail.start();
    this.channel ??= advancesChannel(this.pool);
    for (const [name, sub] of this.subscriptions) {
      if (this.consumers.has(name) || (only && !only(sub, name))) continue;
      const awaited = sub.kind === 'projection' && sub.projection.awaited === true;
      const consumer = new Consumer(
        this.pool,
        sub,
        this.notifier,
        {
          ...this.options,
          onError: (err) => {
            this.options.onError?.(err);
            for (const listener of this.errorListeners) listener(name, err);
          },
          onAdvance: (position) => {
            this.options.onAdvance?.(position);
            // Only commands wait on projections, and only on awaited ones: the others' progress
            // (a message to every thread per batch, skipped batches included) would wake the API
            // thread for nothing.
            if (awaited) this.channel?.postMessage({ consumer: name, position } satisfies Advance);
          },
        },
        this.tail,
      );
      this.consumers.set(name, consumer);
      consumer.start();
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.consumers.values()].map((c) => c.stop()));
    this.consumers.clear();
    await this.tail.stop();
    this.channel?.close();
    this.channel = null;
  }

  /** Handles everything visible now in every subscription; tests and the CLI use it. */
  async catchUpAll(only?: string[]): Promise<void> {
    for (const [name, sub] of this.subscriptions) {
      if (only && !only.includes(name)) continue;
      await new Consumer(this.pool, sub, null, this.options).catchUp();
    }
  }

  async states(): Promise<SubscriptionState[]> {
    const out: SubscriptionState[] = [];
    for (const [name, sub] of this.subscriptions) {
      const types = sub.kind === 'projection' ? sub.projection.types : sub.reactor.types;
      const lag = await consumerLag(this.pool, name, types);
      const consumer = this.consumers.get(name);
      out.push({
        ...lag,
        kind: sub.kind,
        status: consumer?.status ?? 'not_running',
        active: await isConsumerActive(this.pool, name),
        lastError: consumer?.lastError ?? null,
      });
    }
    return out;
  }

  /** True when every started consumer is active or standing by. */
  allRunning(): { ok: boolean; failing: string[] } {
    const failing = [...this.consumers.values()]
      .filter((c) => c.status !== 'active' && c.status !== 'standby')
      .map((c) => `${c.name}:${c.status}`);
    return { ok: failing.length === 0, failing };
  }

  /**
   * Drops the projection's tables, recreates them and resets its checkpoint in one
   * transaction, then replays the log. Whoever holds the consumer's lock replays: this call
   * when no instance is running, the active instance otherwise (progress is then watched).
   */
  async rebuild(name: string, onProgress?: (p: RebuildProgress) => void): Promise<RebuildProgress> {
    const projection = this.projection(name);
    if (!projection) throw new Error(`no projection named ${name}`);
    await inTransaction(this.pool, async (client) => {
      for (const table of projection.tables) await client.query(`drop table if exists ${table} cascade`);
      await projection.setup(client);
      await resetCheckpoint(client, name);
      // Delivered at commit: a running instance reloads its checkpoint and replays now.
      await client.query("select pg_notify('genaug_events', $1)", [resetNotice(name)]);
    });
    const total = (await consumerLag(this.pool, name, projection.types)).lagEvents;
    let handled = 0;
    const report = () => onProgress?.({ handled, total: Math.max(total, handled) });
    const lockClient = await this.pool.connect();
    let broken = false;
    try {
      if (await tryLockConsumer(lockClient, name)) {
        try {
          const consumer = new Consumer(this.pool, { kind: 'projection', projection }, null, {
            ...this.options,
            batchSize: 2000,
            onBatch: (n) => {
              handled += n;
              report();
            },
          });
          await consumer.catchUp();
        } finally {
          // A pooled connection must never go back to the pool still holding the lock.
          await unlockConsumer(lockClient, name).catch(() => {
            broken = true;
          });
        }
      } else {
        for (;;) {
          const lag = await consumerLag(this.pool, name, projection.types);
          const now = Math.max(0, total - lag.lagEvents);
          if (now !== handled) {
            handled = now;
            report();
          }
          if (lag.lagEvents === 0) break;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } finally {
      lockClient.release(broken);
    }
    // Events appended meanwhile are replayed too, so the total can end above the first count.
    const done = { handled: Math.max(total, handled), total: Math.max(total, handled) };
    onProgress?.(done);
    return done;
  }
}
