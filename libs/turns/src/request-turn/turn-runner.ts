import { Injectable } from '@nestjs/common';
import { newId, systemClock } from '@genaug/kernel';
import { EventStore, Sealer, WrongExpectedVersionError, type EventMetadata, type NewEvent } from '@genaug/event-store';
import { ModelCallFailed, ModelRouter, type FinishReason, type ModelAttempt, type ModelRequest, type ModelUsage } from '@genaug/models';
import {
  endsResponseStream,
  ResponseSequencer,
  type FunctionCallItem,
  type ResponseObject,
  type ResponseStreamEvent,
  type StreamStep,
  type TokenCounts,
} from '@genaug/responses';
import { TurnGate } from '@genaug/governance';
import { TurnCancels } from '../cancel-turn/turn-cancels';
import { StreamRelay } from '../follow-response/stream-relay';
import { ConversationStore } from '../conversations/conversation-store';
import { claimWithTurn, type Claim } from '../idempotency/idempotency';
import { RunnerHeartbeat } from '../interrupted/runner-heartbeat';
import { responseMetadata } from '../read-response/turn-reader';
import { foldTurn } from '../read-response/turn-state';
import { turnStream, type TokenUsage, type UsageRecordedData } from '../turn.events';
import { messageCount, outputAsContext } from './model-messages';
import { compactionRequest } from '../compact-turn/compaction-request';
import { appendSurely } from './append-surely';
import { answerChunks, toModelRequest } from './model-request';
import { started } from './started';
import { repairInstruction, validateStructuredOutput } from './structured-output';
import { featureOf, sourceOf, type TurnPlan } from './turn-plan';

const toCounts = (u: ModelUsage): TokenCounts => ({
  inputTokens: u.inputTokens,
  outputTokens: u.outputTokens,
  cachedTokens: u.cachedTokens ?? 0,
  reasoningTokens: u.reasoningTokens ?? 0,
});
const toTokenUsage = (u: TokenCounts | null): TokenUsage => ({
  input_tokens: u?.inputTokens ?? 0,
  output_tokens: u?.outputTokens ?? 0,
  cached_tokens: u?.cachedTokens ?? 0,
  reasoning_tokens: u?.reasoningTokens ?? 0,
});
const addUsage = (a: TokenCounts | null, b: ModelUsage): TokenCounts => ({
  inputTokens: (a?.inputTokens ?? 0) + b.inputTokens,
  outputTokens: (a?.outputTokens ?? 0) + b.outputTokens,
  cachedTokens: (a?.cachedTokens ?? 0) + (b.cachedTokens ?? 0),
  reasoningTokens: (a?.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0),
});

/** The finished turn, as the caller answers it. */
export interface TurnOutcome {
  response: ResponseObject;
  /** HTTP status for a non-streaming answer: 200, or 502/504 when every model failed. */
  httpStatus: number;
  failure: { code: string; message: string; type: string } | null;
}

/**
 * Runs a recorded turn: calls the model through the router, turns its stream into the
 * specification's events (yielded as they happen, for SSE), and records the outcome —
 * every model call, function calls, completion or failure, usage — in one append before
 * the caller answers.
 */
@Injectable()
export class TurnRunner {
  constructor(
    private readonly store: EventStore,
    private readonly sealer: Sealer,
    private readonly router: ModelRouter,
    private readonly conversations: ConversationStore,
    private readonly gate: TurnGate,
    private readonly heartbeat: RunnerHeartbeat,
    private readonly cancels: TurnCancels,
    private readonly relay: StreamRelay,
  ) {}

  /** Appends TurnRequested (and TurnStarted unless the turn waits for the worker). */
  async record(plan: TurnPlan, startNow: boolean): Promise<number> {
    const streamId = turnStream(plan.responseId);
    const events = await this.requestEvents(plan, startNow);
    return appendSurely(
      this.store,
      { streamId, afterVersion: 0, events },
      async () => (await this.store.append(streamId, events, { expectedVersion: 'no_stream', flush: flushOf(startNow) })).nextVersion,
      (nextVersion) => nextVersion,
    );
  }

  /** The same, in one append with the claim of the request's X-Idempotency-Key; a lost claim records nothing. */
  async recordClaimed(plan: TurnPlan, startNow: boolean, key: { key: string; hash: string }): Promise<Claim> {
    return claimWithTurn(
      this.store,
      { projectId: plan.projectId, key: key.key, hash: key.hash, responseId: plan.responseId, now: systemClock.now(), actor: plan.actor, correlationId: plan.ctx.requestId },
      { streamId: turnStream(plan.responseId), events: await this.requestEvents(plan, startNow), flush: flushOf(startNow) },
    );
  }

  private async requestEvents(plan: TurnPlan, startNow: boolean): Promise<NewEvent[]> {
    const { request } = plan;
    const seal = (value: unknown) => this.sealer.sealJson(plan.projectId, plan.user, value);
    const { input: _input, instructions: _instructions, ...params } = request;
    const events: NewEvent[] = [
      {
        type: 'TurnRequested',
        data: {
          response_id: plan.responseId,
          model: request.model,
          request: params,
          context_sealed: await seal(plan.context),
          input_sealed: await seal(plan.input),
          instructions_sealed: plan.instructions ? await this.sealer.seal(plan.projectId, plan.user, plan.instructions) : null,
          user: plan.user,
          anonymous_user: plan.anonymousUser,
          key_id: plan.keyId,
          request_id: plan.ctx.requestId,
          trace_id: plan.ctx.traceId,
          idempotency_key: plan.idempotencyKey,
          previous_response_id: request.previous_response_id ?? null,
          conversation_id: plan.conversationId,
          background: !!request.background,
          stream: !!request.stream,
          store: request.store !== false,
          feature: featureOf(plan),
          source: sourceOf(plan),
          metadata: request.metadata ?? {},
          user_agent: plan.ctx.userAgent,
          traceparent: plan.ctx.traceparent,
          memory_ids: plan.memory.ids,
          created_at: plan.ctx.receivedAt.toISOString(),
          purpose: plan.purpose,
        },
        metadata: this.metadata(plan),
      },
    ];
    if (startNow) events.push({ type: 'TurnStarted', data: { attempt: 1, runner: this.heartbeat.id }, metadata: this.metadata(plan) });
    return events;
  }

  metadata(plan: TurnPlan): EventMetadata {
    return {
      project_id: plan.projectId,
      user: plan.user,
      correlation_id: plan.ctx.requestId,
      causation_id: plan.responseId,
      trace_id: plan.ctx.traceId,
      actor: plan.actor,
    };
  }

  /**
   * Runs the model and yields the response's stream events; returns the outcome once its
   * events are committed. `version` is the turn stream's version before the outcome, or the
   * append of the turn's request that will give it: the model is asked meanwhile, and nothing
   * of its answer is yielded or recorded before that append is committed.
   */
  async *execute(plan: TurnPlan, version: number | Promise<number>): AsyncGenerator<ResponseStreamEvent, TurnOutcome> {
    const { request } = plan;
    const metadata: Record<string, string> = responseMetadata(
      { requestId: plan.ctx.requestId, traceId: plan.ctx.traceId, requested: { metadata: request.metadata ?? {} } as any },
      null,
      null,
    );
    // Streaming events are made only for a client that streams, or may stream it later (a background
    // response: GET /v1/responses/{id}?stream=true); one answered whole gets the response.
    const seq = new ResponseSequencer({
      request,
      responseId: plan.responseId,
      createdAt: plan.ctx.receivedAt,
      model: request.model,
      metadata,
      events: !!request.stream || !!request.background,
      steps: !!request.background,
    });
    // Aborted when the turn's request could not be recorded: an answer that can't be recorded is not wanted.
    const unrecorded = new AbortController();
    // A background turn can be cancelled while it runs (POST /v1/responses/{id}/cancel).
    const cancel = request.background ? this.cancels.watch(plan.responseId) : null;
    const modelRequest: ModelRequest = {
      ...toModelRequest(request, [plan.instructions, plan.memory.text].filter(Boolean).join('\n\n') || null, plan.context),
      signal: cancel ? AbortSignal.any([unrecorded.signal, cancel.signal]) : unrecorded.signal,
    };
    const turn = this.run(plan, version, seq, metadata, modelRequest, unrecorded, cancel?.signal ?? null);
    if (!request.background) return yield* turn;
    // A background response's stream can be followed from elsewhere while it runs.
    const telling = this.relay.open(plan.responseId);
    try {
      for (;;) {
        const r = await turn.next();
        if (r.done) return r.value;
        telling.tell(r.value);
        yield r.value;
      }
    } finally {
      telling.close();
      cancel?.done();
      await turn.return(undefined as never);
    }
  }

  private async *run(
    plan: TurnPlan,
    version: number | Promise<number>,
    seq: ResponseSequencer,
    metadata: Record<string, string>,
    modelRequest: ModelRequest,
    unrecorded: AbortController,
    cancelled: AbortSignal | null,
  ): AsyncGenerator<ResponseStreamEvent, TurnOutcome> {
    const { request } = plan;
    const attempts: ModelAttempt[] = [];
    let usage: TokenCounts | null = null;
    let answeredBy: { provider: string; model: string } | null = null;
    let failure: TurnOutcome['failure'] = null;
    let httpStatus = 200;
    const format = request.text?.format ?? undefined;
    const validates = format?.type === 'json_object' || (format?.type === 'json_schema' && !!format.strict);
    if (plan.purpose === 'compaction') compactionRequest(modelRequest);

    const finishCall = (call: { attempts: readonly ModelAttempt[]; result: { provider: string; model: string; usage: ModelUsage } }) => {
      attempts.push(...call.attempts);
      usage = addUsage(usage, call.result.usage);
      answeredBy = { provider: call.result.provider, model: call.result.model };
      metadata.general_augment_model = call.result.model;
      metadata.general_augment_cost_usd = totalCost(attempts).toFixed(8);
    };

    // `generate: false` (a warm-up): the turn is recorded, to be continued, and no model is asked.
    const generates = request.generate !== false;
    // A turn its client does not stream is answered whole: the model can answer it whole too.
    const call = validates || !generates ? null : this.router.call({ model: request.model, request: modelRequest, settings: plan.settings.models, stream: !!request.stream });
    const events = call ? started(call) : null;
    const firstAnswer = validates && generates ? this.complete(plan, modelRequest, attempts, finishCall) : null;
    firstAnswer?.catch(() => undefined);
    let before: number;
    try {
      before = await version;
    } catch (err) {
      unrecorded.abort(err);
      throw err;
    }
    // A streaming client learns the response's id as soon as the turn is recorded, without
    // waiting for the model's first word.
    yield* seq.start();
    // The event that ends the response waits for the outcome's commit: a client told the
    // response completed (or failed) can read it back.
    const ending: ResponseStreamEvent[] = [];
    const told = function* (events: ResponseStreamEvent[]) {
      for (const e of events) {
        if (endsResponseStream(e)) ending.push(e);
        else yield e;
      }
    };

    try {
      if (!generates) {
        usage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 };
        answeredBy = { provider: 'none', model: request.model };
        metadata.general_augment_cost_usd = (0).toFixed(8);
        yield* told(seq.push({ type: 'completed', usage, finishReason: 'stop' }));
      } else if (call && events) {
        try {
          for await (const event of events) {
            if (event.type === 'completed') {
              finishCall(call);
              yield* told(seq.push({ type: 'completed', usage: usage!, finishReason: event.finishReason }));
            } else {
              yield* told(seq.push(event));
            }
          }
        } catch (err) {
          if (err instanceof ModelCallFailed) attempts.push(...err.attempts);
          else if (cancelled?.aborted) attempts.push(...call.attempts);
          throw err;
        }
      } else {
        // The answer must validate before the client sees it: collect, check, repair once.
        let answer = await firstAnswer!;
        let check = answer.functionCalls.length ? { ok: true, errors: [] } : validateStructuredOutput(modelRequest.textFormat, answer.text);
        if (!check.ok) {
          const repair: ModelRequest = {
            ...modelRequest,
            messages: [
              ...modelRequest.messages,
              { type: 'message', role: 'assistant', content: answer.text },
              { type: 'message', role: 'user', content: repairInstruction(check.errors) },
            ],
          };
          answer = await this.complete(plan, repair, attempts, finishCall);
          check = validateStructuredOutput(modelRequest.textFormat, answer.text);
        }
        for (const chunk of answerChunks(answer.text)) yield* told(seq.push({ type: 'text.delta', delta: chunk }));
        for (const fc of answer.functionCalls) {
          yield* told(seq.push({ type: 'function_call.started', callId: fc.callId, name: fc.name }));
          yield* told(seq.push({ type: 'function_call.done', callId: fc.callId, name: fc.name, arguments: fc.arguments }));
        }
        yield* told(
          seq.push({
            type: 'completed',
            usage: usage!,
            finishReason: check.ok ? answer.finishReason : 'stop',
            ...(check.ok ? {} : { incompleteReason: 'structured_output_invalid' }),
          }),
        );
      }
    } catch (err) {
      if (cancelled?.aborted) return yield* this.endCancelled(plan, seq, attempts, usage, answeredBy);
      const e = err as any;
      failure = {
        code: err instanceof ModelCallFailed ? e.reason : 'server_error',
        message: err instanceof ModelCallFailed ? e.message : 'The turn failed',
        type: err instanceof ModelCallFailed ? 'upstream_error' : 'server_error',
      };
      httpStatus = err instanceof ModelCallFailed ? e.status : 500;
      metadata.general_augment_cost_usd = totalCost(attempts).toFixed(8);
      if (!seq.finished) yield* told(seq.push({ type: 'failed', error: failure }));
    }

    const response = seq.response;
    try {
      await this.recordOutcome(plan, before, response, seq.steps, attempts, usage, answeredBy, failure, httpStatus);
    } catch (err) {
      // Cancelled before the outcome landed: the answer came too late to be the response.
      if (err instanceof WrongExpectedVersionError && request.background) return yield* this.endCancelled(plan, seq, attempts, usage, answeredBy, err);
      throw err;
    }
    yield* ending;
    return { response, httpStatus, failure };
  }

  /**
   * Ends a cancelled turn: records what its model calls cost after the cancellation, settles
   * that, and ends the stream as cancelled. `conflict` is the outcome's failed append, thrown
   * again when no cancellation explains it (another runner took the turn over).
   */
  private async *endCancelled(
    plan: TurnPlan,
    seq: ResponseSequencer,
    attempts: ModelAttempt[],
    usage: TokenCounts | null,
    answeredBy: { provider: string; model: string } | null,
    conflict?: WrongExpectedVersionError,
  ): AsyncGenerator<ResponseStreamEvent, TurnOutcome> {
    const streamId = turnStream(plan.responseId);
    const state = foldTurn(await this.store.readStream(streamId));
    if (!state?.cancelled) throw conflict ?? new Error(`Turn ${plan.responseId} was stopped but not cancelled`);
    if (!state.usage) {
      const recorded = this.usageRecorded(plan, attempts, usage, answeredBy, 'cancelled', false);
      const events = [...this.modelCalls(plan, attempts), { type: 'UsageRecorded', data: recorded, metadata: this.metadata(plan) }];
      await appendSurely(
        this.store,
        { streamId, afterVersion: state.version, events },
        () => this.store.append(streamId, events, { expectedVersion: state.version }),
        () => undefined,
      );
      await this.gate.settle(plan, recorded);
    }
    yield* seq.cancel();
    return { response: seq.response, httpStatus: 200, failure: null };
  }

  private async complete(
    plan: TurnPlan,
    request: ModelRequest,
    attempts: ModelAttempt[],
    finish: (call: any) => void,
  ): Promise<{ text: string; finishReason: FinishReason; functionCalls: { callId: string; name: string; arguments: string }[] }> {
    const call = this.router.call({ model: plan.request.model, request, settings: plan.settings.models, stream: false });
    let text = '';
    let finishReason: FinishReason = 'stop';
    const functionCalls: { callId: string; name: string; arguments: string }[] = [];
    try {
      for await (const event of call) {
        if (event.type === 'text.delta') text += event.delta;
        else if (event.type === 'function_call.done') functionCalls.push({ callId: event.callId, name: event.name, arguments: event.arguments });
        else if (event.type === 'completed') finishReason = event.finishReason;
      }
    } catch (err) {
      if (err instanceof ModelCallFailed) attempts.push(...err.attempts);
      // Stopped (cancelled): the calls made so far are still paid for.
      else if (request.signal?.aborted) attempts.push(...call.attempts);
      throw err;
    }
    finish(call);
    return { text, finishReason, functionCalls };
  }

  private async recordOutcome(
    plan: TurnPlan,
    version: number,
    response: ResponseObject,
    steps: StreamStep[] | null,
    attempts: ModelAttempt[],
    usage: TokenCounts | null,
    answeredBy: { provider: string; model: string } | null,
    failure: TurnOutcome['failure'],
    httpStatus: number,
  ): Promise<void> {
    const meta = this.metadata(plan);
    const now = systemClock.now().toISOString();
    const cost = totalCost(attempts);
    const events: NewEvent[] = this.modelCalls(plan, attempts);
    for (const item of response.output) {
      if (item.type !== 'function_call') continue;
      const fc = item as FunctionCallItem;
      events.push({
        type: 'FunctionCallRequested',
        data: { item_id: fc.id, call_id: fc.call_id, name: fc.name, arguments_sealed: await this.sealer.seal(plan.projectId, plan.user, fc.arguments) },
        metadata: meta,
      });
    }
    if (failure) {
      events.push({
        type: 'TurnFailed',
        data: { error: failure, status_code: httpStatus, usage: toTokenUsage(usage), cost_usd: cost, failed_at: now },
        metadata: meta,
      });
    } else {
      events.push({
        type: 'TurnCompleted',
        data: {
          status: response.status === 'incomplete' ? 'incomplete' : 'completed',
          incomplete_reason: response.incomplete_details?.reason ?? null,
          output_sealed: await this.sealer.sealJson(plan.projectId, plan.user, response.output),
          usage: toTokenUsage(usage),
          cost_usd: cost,
          provider: answeredBy?.provider ?? 'unknown',
          model: answeredBy?.model ?? plan.request.model,
          completed_at: response.completed_at ? new Date(response.completed_at * 1000).toISOString() : now,
          ...(steps ? { stream_steps: steps } : {}),
        },
        metadata: meta,
      });
    }
    const outcome = failure ? 'failed' : response.status === 'incomplete' ? 'incomplete' : 'completed';
    const recorded = this.usageRecorded(plan, attempts, usage, answeredBy, outcome, response.output.some((i) => i.type === 'message'));
    events.push({ type: 'UsageRecorded', data: recorded, metadata: meta });
    const append = { streamId: turnStream(plan.responseId), events, expectedVersion: version };
    const items = plan.conversationId && !failure ? [...plan.input, ...outputAsContext(response.output)] : null;
    // Until it is recorded, the answer exists nowhere else: the client waits (or leaves, and the
    // turn is still recorded); should this process die meanwhile, the turn is run again elsewhere.
    await appendSurely(
      this.store,
      { streamId: append.streamId, afterVersion: version, events },
      async () => {
        if (items) {
          await this.conversations.appendWithTurn(
            append,
            { projectId: plan.projectId, conversationId: plan.conversationId!, user: plan.user, responseId: plan.responseId, items },
            meta,
          );
        } else {
          await this.store.append(append.streamId, events, { expectedVersion: version });
        }
      },
      () => undefined,
    );
    // The turn's budget reservation is settled with what it actually cost, however it ended.
    await this.gate.settle(plan, recorded);
  }

  /** One ModelCalled event per provider call the turn made. */
  private modelCalls(plan: TurnPlan, attempts: ModelAttempt[]): NewEvent[] {
    const meta = this.metadata(plan);
    return attempts.map((a) => ({
      type: 'ModelCalled',
      data: {
        call_id: newId('call'),
        provider: a.provider,
        model: a.model,
        started_at: a.startedAt,
        latency_ms: a.latencyMs,
        outcome: a.outcome,
        error: a.error ?? null,
        usage: a.usage ? toTokenUsage(toCounts(a.usage)) : null,
        ...(a.usageEstimated ? { usage_estimated: true } : {}),
        cost_usd: a.costUsd,
        purpose: plan.purpose,
      },
      metadata: meta,
    }));
  }

  /** The turn's UsageRecorded: what it cost and counts for, however it ended. */
  private usageRecorded(
    plan: TurnPlan,
    attempts: ModelAttempt[],
    usage: TokenCounts | null,
    answeredBy: { provider: string; model: string } | null,
    outcome: UsageRecordedData['outcome'],
    answered: boolean,
  ): UsageRecordedData {
    return {
      user: plan.user,
      feature: featureOf(plan),
      source: sourceOf(plan),
      provider: answeredBy?.provider ?? attempts[attempts.length - 1]?.provider ?? null,
      model: answeredBy?.model ?? attempts[attempts.length - 1]?.model ?? null,
      usage: toTokenUsage(usage),
      cost_usd: totalCost(attempts),
      messages: messageCount(plan.input) + (answered ? 1 : 0),
      outcome,
      day: plan.day,
    };
  }
}


// The outcome append that follows a started turn is durable and flushes its request with it,
// before the client is answered; a background turn is answered now, so its request is durable now.
const flushOf = (startNow: boolean) => (startNow ? 'deferred' : 'durable');

const totalCost = (attempts: ModelAttempt[]) => attempts.reduce((sum, a) => sum + a.costUsd, 0);


