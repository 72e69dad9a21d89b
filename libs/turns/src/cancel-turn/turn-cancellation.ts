import { Injectable } from '@nestjs/common';
import { systemClock } from '@genaug/kernel';
import { EventStore, WrongExpectedVersionError, type NewEvent } from '@genaug/event-store';
import { TurnGate } from '@genaug/governance';
import { actorOf, ProjectDirectory, type Caller } from '@genaug/projects';
import type { ResponseObject } from '@genaug/responses';
import { TurnReader } from '../read-response/turn-reader';
import { turnEnded, turnEventMetadata, type TurnState } from '../read-response/turn-state';
import { appendSurely } from '../request-turn/append-surely';
import { recordedTurn } from '../request-turn/recorded-turn';
import { projectDay } from '../request-turn/turn-plan';
import { turnStream, type UsageRecordedData } from '../turn.events';
import { alreadyEnded, notBackground } from '../read-response/response-refusals';
import { TurnCancels } from './turn-cancels';
import { unspentUsage } from './cancelled-usage';

/** Appends that lose to the turn's runner before one lands: each loss means the turn moved on. */
const MAX_TRIES = 20;

/**
 * POST /v1/responses/{id}/cancel: a queued or running background turn ends `cancelled`. The
 * cancellation is an append at the turn's version, so it and the turn's outcome never both
 * land: a turn answered first cannot be cancelled (409), one cancelled first records no answer.
 * A queued turn is never run; a running one's model call stops, and what it had cost is recorded
 * and settled by its runner.
 */
@Injectable()
export class TurnCancellation {
  constructor(
    private readonly store: EventStore,
    private readonly reader: TurnReader,
    private readonly cancels: TurnCancels,
    private readonly gate: TurnGate,
    private readonly directory: ProjectDirectory,
  ) {}

  async cancel(caller: Caller & { kind: 'project_key' }, responseId: string): Promise<ResponseObject> {
    for (let tries = 1; ; tries++) {
      const state = await this.reader.stored(caller.projectId, responseId);
      if (!state.requested.background) throw notBackground();
      if (state.cancelled) return this.reader.toResponse(state);
      if (turnEnded(state)) throw alreadyEnded(state.failed ? 'failed' : state.completed!.status);
      try {
        return await this.append(caller, state);
      } catch (err) {
        // The runner appended first (it started, or ended): look again.
        if (!(err instanceof WrongExpectedVersionError) || tries >= MAX_TRIES) throw err;
      }
    }
  }

  private async append(caller: Caller & { kind: 'project_key' }, state: TurnState): Promise<ResponseObject> {
    const r = state.requested;
    const streamId = turnStream(r.response_id);
    const metadata = turnEventMetadata(state, actorOf(caller));
    const events: NewEvent[] = [{ type: 'TurnCancelled', data: { cancelled_at: systemClock.now().toISOString(), key_id: caller.keyId }, metadata }];
    // A turn never started cost nothing, and no runner will say so: its usage is recorded here.
    const settings = state.started === 0 ? await this.directory.settings(state.projectId) : null;
    const usage: UsageRecordedData | null = settings ? unspentUsage(r, projectDay(state.createdAt, settings.timezone ?? 'UTC')) : null;
    if (usage) events.push({ type: 'UsageRecorded', data: usage, metadata });
    const nextVersion = await appendSurely(
      this.store,
      { streamId, afterVersion: state.version, events },
      async () => (await this.store.append(streamId, events, { expectedVersion: state.version })).nextVersion,
      (version) => version,
    );
    if (usage) await this.gate.settle(recordedTurn(state.projectId, settings!, r), usage);
    else await this.cancels.announce(r.response_id);
    return this.reader.toResponse(await this.reader.load(state.projectId, r.response_id, nextVersion));
  }
}
