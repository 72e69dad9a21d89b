import { backoffCeilingMs, DATABASE_RETRY, isConnectionFault, logger, newUuid } from '@genaug/kernel';
import { EventStore, WrongExpectedVersionError, type NewEvent } from '@genaug/event-store';

/** Events a turn cannot go on without, appended to `streamId` right after version `afterVersion`. */
export interface SureAppend {
  streamId: string;
  afterVersion: number;
  events: NewEvent[];
}

/**
 * Appends events a turn cannot go on without (its request, its start, its outcome), again for
 * as long as the database cannot be reached. An attempt whose reply was lost with its
 * connection may have committed: its first event's id tells, before it is sent again, so the
 * events are recorded once and the turn goes on (answering the client an error then would
 * leave a recorded turn that no one ends). `write` makes the append (alone, or with others in
 * one transaction); `found` is its result when an earlier attempt turns out to have committed,
 * given the stream's version after the events.
 */
export async function appendSurely<T>(store: EventStore, append: SureAppend, write: () => Promise<T>, found: (nextVersion: number) => T): Promise<T> {
  append.events[0].eventId ??= newUuid();
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      // After a failed attempt, a conflict may be that attempt's own events.
      const conflictAfterFault = attempt > 1 && err instanceof WrongExpectedVersionError;
      if (!conflictAfterFault && !isConnectionFault(err)) throw err;
      const ours = await recordedAlready(store, append);
      if (ours) return found(append.afterVersion + append.events.length);
      if (ours === false && conflictAfterFault) throw err;
      if (attempt % 10 === 1) logger.warn({ stream: append.streamId, attempt, err: (err as Error).message }, 'turn events not recorded yet: the database is unreachable');
      await new Promise((r) => setTimeout(r, backoffCeilingMs(attempt - 1, DATABASE_RETRY)));
    }
  }
}

/** Whether the event after the append's version is its own first one; null when that cannot be read now. */
async function recordedAlready(store: EventStore, append: SureAppend): Promise<boolean | null> {
  try {
    const [next] = await store.readStream(append.streamId, { fromVersion: append.afterVersion + 1, limit: 1 });
    return next?.eventId === append.events[0].eventId;
  } catch (err) {
    if (isConnectionFault(err)) return null;
    throw err;
  }
}
