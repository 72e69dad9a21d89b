import type { EventStore } from './event-store';
import { WrongExpectedVersionError, type EventMetadata } from './events';

/** A domain event as deciders see it: a type and its data, no envelope. */
export interface DomainEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
}

/** Pure business logic of one stream: no database, no clock, no Nest. */
export interface Decider<State, Command, Event extends DomainEvent> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

export interface CommandResult<State, Event> {
  state: State;
  events: Event[];
  version: number;
  /** Global position of the last appended event (0 when nothing was appended). */
  lastPosition: number;
}

export interface HandleOptions {
  metadata?: EventMetadata;
  /** Safe to retry on a concurrent write: decide runs again on the fresh state. */
  retryOnConflict?: boolean;
  maxAttempts?: number;
}

export const fold = <S, E extends DomainEvent>(d: Decider<S, any, E>, events: E[], from = d.initialState()): S =>
  events.reduce((s, e) => d.evolve(s, e), from);

/**
 * The command path: load the stream, fold it, decide, append with the expected version.
 * A conflict either retries (retry-safe commands) or surfaces as WrongExpectedVersionError.
 */
export async function handleCommand<S, C, E extends DomainEvent>(
  store: EventStore,
  streamId: string,
  decider: Decider<S, C, E>,
  command: C,
  options: HandleOptions = {},
): Promise<CommandResult<S, E>> {
  const attempts = options.retryOnConflict ? (options.maxAttempts ?? 5) : 1;
  for (let attempt = 1; ; attempt++) {
    const stored = await store.readStream(streamId);
    const version = stored.length ? stored[stored.length - 1].streamVersion : 0;
    const state = fold(decider, stored.map((e) => ({ type: e.type, data: e.data }) as E));
    const events = decider.decide(command, state);
    if (events.length === 0) return { state, events, version, lastPosition: 0 };
    try {
      const res = await store.append(
        streamId,
        events.map((e) => ({ type: e.type, data: e.data, metadata: options.metadata })),
        { expectedVersion: version === 0 ? 'no_stream' : version },
      );
      return { state: fold(decider, events, state), events, version: res.nextVersion, lastPosition: res.lastPosition };
    } catch (err) {
      if (err instanceof WrongExpectedVersionError && attempt < attempts) continue;
      throw err;
    }
  }
}
