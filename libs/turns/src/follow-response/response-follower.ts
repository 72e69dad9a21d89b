import { Injectable } from '@nestjs/common';
import { endsResponseStream, type ResponseStreamEvent } from '@genaug/responses';
import { TurnReader } from '../read-response/turn-reader';
import { recordedRequest, turnEnded, type TurnState } from '../read-response/turn-state';
import { replayStream, streamAfter } from '../request-turn/replay';
import { StreamRelay, type RelayedEvents } from './stream-relay';

/** How long a follower waits for its next event before it reads the turn and asks again. */
const QUIET_MS = 1000;

/**
 * GET /v1/responses/{id}?stream=true: a response's stream from after the client's last event.
 * An ended response's is told again from its stored events, numbered as it streamed live; a
 * queued or running one's is followed live from its runner (StreamRelay) until it ends.
 */
@Injectable()
export class ResponseFollower {
  constructor(
    private readonly reader: TurnReader,
    private readonly relay: StreamRelay,
  ) {}

  async *follow(state: TurnState, after: number, open: () => boolean): AsyncGenerator<ResponseStreamEvent> {
    if (turnEnded(state)) return yield* await this.toldAgain(state, after);
    const responseId = state.requested.response_id;
    const heard = new Map<number, ResponseStreamEvent>();
    let next = after + 1;
    // The attempt first heard is the one followed: one run again elsewhere numbers anew.
    let relay: string | null = null;
    let wake = () => {};
    const listen = (message: RelayedEvents | null) => {
      if (message === null) return void this.relay.ask(responseId, next - 1);
      if ((relay ??= message.relay) !== message.relay) return;
      for (const event of message.events) if (event.sequence_number >= next) heard.set(event.sequence_number, event);
      wake();
    };
    const stop = this.relay.follow(responseId, listen);
    try {
      await this.relay.ask(responseId, after);
      let movedAt = Date.now();
      for (;;) {
        for (let event = heard.get(next); event; event = heard.get(next)) {
          heard.delete(next++);
          movedAt = Date.now();
          yield event;
          if (endsResponseStream(event)) return;
        }
        if (!open()) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, QUIET_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (Date.now() - movedAt < QUIET_MS) continue;
        // Nothing new for a while: the turn may have ended (its runner gone, or never asked), or
        // its runner may not have heard us yet (it was queued, or is run again elsewhere).
        const now = await this.reader.load(state.projectId, responseId).catch(() => null);
        if (now && turnEnded(now)) return yield* await this.toldAgain(now, next - 1);
        movedAt = Date.now();
        await this.relay.ask(responseId, next - 1);
      }
    } finally {
      stop();
    }
  }

  private async toldAgain(state: TurnState, after: number): Promise<Iterable<ResponseStreamEvent>> {
    const response = await this.reader.toResponse(state);
    return streamAfter(replayStream(recordedRequest(state, response.instructions as string | null), response, state.completed?.stream_steps), after);
  }
}
