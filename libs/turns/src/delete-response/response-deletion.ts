import { Injectable } from '@nestjs/common';
import { systemClock } from '@genaug/kernel';
import { EventStore, WrongExpectedVersionError } from '@genaug/event-store';
import { actorOf, type Caller } from '@genaug/projects';
import { responseInProgress } from '../read-response/response-refusals';
import { TurnReader } from '../read-response/turn-reader';
import { turnEnded, turnEventMetadata } from '../read-response/turn-state';
import { appendSurely } from '../request-turn/append-surely';
import { turnStream } from '../turn.events';

/** Appends that lose to the turn's runner before one lands. */
const MAX_TRIES = 20;

/**
 * DELETE /v1/responses/{id}: an ended response is no longer found by the API (GET, its input
 * items, `previous_response_id`, a retry with its idempotency key). The deletion is an event of
 * the turn's stream, so the history keeps what happened; the content stays sealed for the turn's
 * user, and erasing that user destroys it. A response still running is a 409: cancel it
 * (background) or let it end first.
 */
@Injectable()
export class ResponseDeletion {
  constructor(
    private readonly store: EventStore,
    private readonly reader: TurnReader,
  ) {}

  async delete(caller: Caller & { kind: 'project_key' }, responseId: string): Promise<{ id: string; object: 'response'; deleted: true }> {
    for (let tries = 1; ; tries++) {
      const state = await this.reader.stored(caller.projectId, responseId);
      // A cancelled turn's runner has yet to record what it spent until its usage is there.
      if (!turnEnded(state) || (state.cancelled && !state.usage)) {
        throw responseInProgress();
      }
      const r = state.requested;
      const streamId = turnStream(r.response_id);
      const events = [
        {
          type: 'ResponseDeleted',
          data: { deleted_at: systemClock.now().toISOString(), key_id: caller.keyId },
          metadata: turnEventMetadata(state, actorOf(caller)),
        },
      ];
      try {
        await appendSurely(
          this.store,
          { streamId, afterVersion: state.version, events },
          () => this.store.append(streamId, events, { expectedVersion: state.version }),
          () => undefined,
        );
        return { id: r.response_id, object: 'response', deleted: true };
      } catch (err) {
        // Something was recorded after the turn's end (its usage, a cancellation's spend): look again.
        if (!(err instanceof WrongExpectedVersionError) || tries >= MAX_TRIES) throw err;
      }
    }
  }
}
