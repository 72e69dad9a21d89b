import type { PoolClient } from 'pg';
import type { StoredEvent } from './events';

/**
 * A projection writes its read model in the same transaction as its checkpoint, so each
 * event is applied exactly once; its tables can always be dropped and rebuilt from the log.
 */
export interface Projection {
  name: string;
  /** Event types it reads; all when omitted. */
  types?: string[];
  /** Tables it owns: rebuild drops them. */
  tables: string[];
  /**
   * Commands wait for it to apply their events (read-your-writes): it takes a batch as soon as
   * events arrive. Others let events gather for a few milliseconds, one transaction for many.
   */
  awaited?: boolean;
  /** Creates its tables; must be idempotent. */
  setup(client: PoolClient): Promise<void>;
  /** Applies a batch of events inside the checkpoint's transaction. */
  apply(events: StoredEvent[], client: PoolClient): Promise<void>;
}

/**
 * A reactor causes effects (a model call, a delivery) and records outcomes as new events.
 * Effects are at-least-once: the checkpoint moves after the handler returns, and each effect
 * carries an idempotency key derived from the event that caused it.
 */
export interface Reactor {
  name: string;
  types?: string[];
  /**
   * Narrower than `types`: the events it acts on. The others are passed like events of other
   * types, without a commit each; a reactor that ignores most events of its types says so here.
   */
  accepts?(event: StoredEvent): boolean;
  react(events: StoredEvent[]): Promise<void>;
}

export type Subscription = { kind: 'projection'; projection: Projection } | { kind: 'reactor'; reactor: Reactor };

export const PROJECTIONS = Symbol('PROJECTIONS');
export const REACTORS = Symbol('REACTORS');
