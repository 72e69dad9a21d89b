import { Injectable } from '@nestjs/common';
import { logger, type RequestContext } from '@genaug/kernel';
import { ERASED, EventStore, Sealer, WrongExpectedVersionError } from '@genaug/event-store';
import { ProjectDirectory } from '@genaug/projects';
import { RunnerHeartbeat } from '../interrupted/runner-heartbeat';
import type { ContextItem } from '../request-turn/model-messages';
import { projectDay, type TurnPlan } from '../request-turn/turn-plan';
import { appendSurely } from '../request-turn/append-surely';
import { TurnPlanner } from '../request-turn/turn-planner';
import { TurnRunner } from '../request-turn/turn-runner';
import { foldTurn, recordedRequest, turnEnded, turnEventMetadata, type TurnState } from '../read-response/turn-state';
import { turnStream } from '../turn.events';

/**
 * Runs a recorded turn that no one is running: a queued background turn, or one whose runner
 * died mid-turn. Taking it is a TurnStarted append at the stream's version, so two workers never
 * run the same attempt; the turn's request, context and admission are those it was recorded with.
 */
@Injectable()
export class TurnResumer {
  constructor(
    private readonly store: EventStore,
    private readonly sealer: Sealer,
    private readonly planner: TurnPlanner,
    private readonly runner: TurnRunner,
    private readonly directory: ProjectDirectory,
    private readonly heartbeat: RunnerHeartbeat,
  ) {}

  /**
   * Runs the turn to its end as its next attempt, unless it has ended or its latest attempt is
   * no longer `after` (0 for a turn never started): then someone else has taken it.
   */
  async resume(responseId: string, after: number): Promise<void> {
    const state = foldTurn(await this.store.readStream(turnStream(responseId)));
    if (!state || turnEnded(state) || state.started !== after) return;
    // Planned before it is taken: a failure here leaves the turn as it was, for the next try.
    const plan = await this.plan(state);
    let version: number;
    const streamId = turnStream(responseId);
    const started = [{ type: 'TurnStarted', data: { attempt: state.started + 1, runner: this.heartbeat.id }, metadata: turnEventMetadata(state) }];
    try {
      // An attempt taken and then lost with its reply would be taken by no one: it is found.
      version = await appendSurely(
        this.store,
        { streamId, afterVersion: state.version, events: started },
        async () => (await this.store.append(streamId, started, { expectedVersion: state.version })).nextVersion,
        (nextVersion) => nextVersion,
      );
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) return;
      throw err;
    }
    const turn = this.runner.execute(plan, version);
    let r = await turn.next();
    while (!r.done) r = await turn.next();
    logger.info({ response_id: responseId, attempt: state.started + 1, status: r.value.response.status }, 'turn run by the worker finished');
  }

  private async plan(state: TurnState): Promise<TurnPlan> {
    const r = state.requested;
    const unsealItems = async (v: string) => {
      const items = await this.sealer.unsealJson<ContextItem[]>(v);
      return items === ERASED ? [] : items;
    };
    const instructions = r.instructions_sealed ? await this.sealer.unseal(r.instructions_sealed) : null;
    const settings = await this.directory.settings(state.projectId);
    const ctx: RequestContext = {
      requestId: r.request_id,
      traceId: r.trace_id,
      parentSpanId: null,
      traceparent: r.traceparent,
      idempotencyKey: r.idempotency_key,
      userAgent: r.user_agent,
      receivedAt: state.createdAt,
    };
    const input = await unsealItems(r.input_sealed);
    return {
      responseId: r.response_id,
      projectId: state.projectId,
      settings,
      request: recordedRequest(state, instructions),
      instructions,
      input,
      context: await unsealItems(r.context_sealed),
      memory: await this.planner.memory(state.projectId, r.anonymous_user || r.purpose === 'compaction' ? null : r.user, settings, input),
      user: r.user,
      anonymousUser: r.anonymous_user,
      keyId: r.key_id,
      actor: 'system:worker',
      ctx,
      idempotencyKey: r.idempotency_key,
      conversationId: r.conversation_id,
      day: projectDay(state.createdAt, settings.timezone ?? 'UTC'),
      purpose: r.purpose,
    };
  }
}
