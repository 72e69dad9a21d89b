import { Injectable } from '@nestjs/common';
import { AppError, systemClock, toAppError, type RequestContext } from '@genaug/kernel';
import { EventStore, WrongExpectedVersionError } from '@genaug/event-store';
import { TurnGate } from '@genaug/governance';
import type { Caller } from '@genaug/projects';
import { parseCreateResponseRequest, type CreateResponseRequest, type ErrorEvent, type ResponseObject, type ResponseStreamEvent } from '@genaug/responses';
import { earlierResponse, requestHash } from '../idempotency/idempotency';
import { TurnReader } from '../read-response/turn-reader';
import { turnStream } from '../turn.events';
import { TurnPlanner, type PlanOptions } from './turn-planner';
import type { TurnDraft, TurnPlan } from './turn-plan';
import { TurnRunner, type TurnOutcome } from './turn-runner';

/** How long an idempotent retry waits for the first request's turn before a 409. */
export const IDEMPOTENT_WAIT_MS = 30_000;

/** The answer to a retry whose first request's turn has not ended within IDEMPOTENT_WAIT_MS. */
export const idempotencyInProgress = () =>
  new AppError(409, 'idempotency_in_progress', 'The first request with this X-Idempotency-Key is still running', { headers: { 'Retry-After': '2' } });

/** A background turn not streamed is answered at once, queued, and run by the worker. */
export const isQueued = (request: CreateResponseRequest) => !!request.background && !request.stream;

/** Where a turn request stands once it is admitted and recorded, for its transport to answer. */
export type StartedTurn =
  /** A retry with the request's X-Idempotency-Key: answered from the first request's turn. */
  | { kind: 'earlier'; request: CreateResponseRequest; responseId: string }
  /** A background turn the worker runs: answered as it was recorded. */
  | { kind: 'queued'; request: CreateResponseRequest; response: ResponseObject }
  /** A turn this process runs: its events as they happen, then its outcome, recorded. */
  | { kind: 'running'; request: CreateResponseRequest; plan: TurnPlan; turn: AsyncGenerator<ResponseStreamEvent, TurnOutcome> };

/**
 * A turn request from any transport (HTTP, WebSocket): parsed, planned, admitted by the gate
 * and recorded, in that order, before the model is asked anything.
 */
@Injectable()
export class TurnRequests {
  constructor(
    private readonly planner: TurnPlanner,
    private readonly runner: TurnRunner,
    private readonly reader: TurnReader,
    private readonly store: EventStore,
    private readonly gate: TurnGate,
  ) {}

  async start(caller: Caller & { kind: 'project_key' }, body: unknown, ctx: RequestContext, options: PlanOptions = {}): Promise<StartedTurn> {
    try {
      return await this.begin(caller, body, ctx, options);
    } catch (err) {
      // A request that failed before its turn's admission still counts against its key's
      // requests per minute; over the limit, its answer is the 429.
      await this.gate.countRequest(ctx);
      throw err;
    }
  }

  private async begin(caller: Caller & { kind: 'project_key' }, body: unknown, ctx: RequestContext, options: PlanOptions): Promise<StartedTurn> {
    const request = parseCreateResponseRequest(body);
    const hash = ctx.idempotencyKey ? requestHash(body) : '';
    if (ctx.idempotencyKey) {
      const earlier = await earlierResponse(this.store, { projectId: caller.projectId, key: ctx.idempotencyKey, hash, now: systemClock.now() });
      if (earlier) {
        await this.gate.countRequest(ctx);
        return { kind: 'earlier', request, responseId: earlier };
      }
    }
    const { draft, memory } = await this.planner.plan(caller, request, ctx, options);
    const plan = await this.admit(draft, memory);

    // A streamed turn runs here, background or not: a background one still ends and is stored
    // whether or not its client stays, as every streamed turn does.
    const queued = isQueued(request);
    const startNow = !queued;
    let recorded: Promise<number>;
    if (ctx.idempotencyKey) {
      // Claimed with the turn's request: the model is asked only once the key is this turn's.
      const claim = await this.runner.recordClaimed(plan, startNow, { key: ctx.idempotencyKey, hash });
      if (!claim.won) {
        await this.gate.release(plan);
        return { kind: 'earlier', request, responseId: claim.responseId };
      }
      recorded = Promise.resolve(claim.nextVersion);
    } else {
      recorded = this.runner.record(plan, startNow);
    }

    if (queued) {
      const version = await recorded;
      // Answered as this request left it, queued: the worker may have started it already.
      const state = await this.reader.load(caller.projectId, plan.responseId, version);
      return { kind: 'queued', request, response: await this.reader.toResponse(state) };
    }
    // A stream starts once its request is recorded, so a failure to record is an ordinary error
    // answer; an answer that is not streamed is asked of the model meanwhile (TurnRunner.execute).
    if (request.stream) await recorded;
    return { kind: 'running', request, plan, turn: this.runner.execute(plan, recorded) };
  }

  /**
   * Rate, plan and budget limits (429/402) before anything is written; the gate reserves the
   * turn's worst-case cost. Where the project caps spending, that cost counts the user's
   * memories as they are, so the gate waits for them; elsewhere they arrive while it decides.
   */
  private async admit(draft: TurnDraft, lookup: Promise<TurnPlan['memory']>): Promise<TurnPlan> {
    if (this.gate.capsSpending(draft.settings)) {
      const memory = await lookup;
      const plan = { ...draft, memory, memoryBytes: Buffer.byteLength(memory.text ?? '') };
      await this.gate.admit(plan);
      return plan;
    }
    const [admitted, memory] = await Promise.allSettled([this.gate.admit(draft), lookup]);
    if (admitted.status === 'rejected') throw admitted.reason;
    if (memory.status === 'rejected') {
      await this.gate.release(draft);
      throw memory.reason;
    }
    return { ...draft, memory: memory.value };
  }
}

/**
 * Runs a turn this process started to its end, unstreamed: its outcome, or null when another
 * runner took the turn over (this one was thought gone), whose outcome is then the answer.
 */
export async function outcomeOf(started: Extract<StartedTurn, { kind: 'running' }>): Promise<TurnOutcome | null> {
  try {
    let r = await started.turn.next();
    while (!r.done) r = await started.turn.next();
    return r.value;
  } catch (err) {
    if (err instanceof WrongExpectedVersionError && err.streamId === turnStream(started.plan.responseId)) return null;
    throw err;
  }
}

/** The event that ends a stream whose turn's outcome could not be recorded by this process. */
export function unrecordedEvent(err: unknown, sequenceNumber: number): ErrorEvent {
  const e = toAppError(err);
  return { type: 'error', sequence_number: sequenceNumber, error: { type: e.type, code: e.reason, message: e.message, param: null } };
}
