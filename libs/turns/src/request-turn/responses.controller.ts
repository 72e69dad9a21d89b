import { Body, Controller, Get, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { AppError, contextOf, systemClock, toAppError, type RequestContext } from '@genaug/kernel';
import { EventStore, WrongExpectedVersionError } from '@genaug/event-store';
import { TurnGate } from '@genaug/governance';
import { CurrentCaller, ProjectKeyGuard, type Caller } from '@genaug/projects';
import { parseCreateResponseRequest, type CreateResponseRequest, type ErrorEvent, type ResponseStreamEvent } from '@genaug/responses';
import { earlierResponse, requestHash } from '../idempotency/idempotency';
import { TurnReader } from '../read-response/turn-reader';
import { turnStream } from '../turn.events';
import { replayStream } from './replay';
import { SseWriter } from './sse-writer';
import { TurnPlanner } from './turn-planner';
import type { TurnDraft, TurnPlan } from './turn-plan';
import { TurnRunner, type TurnOutcome } from './turn-runner';

/** A background turn not streamed is answered at once, queued, and run by the worker. */
const isQueued = (request: CreateResponseRequest) => !!request.background && !request.stream;

/** How long an idempotent retry waits for the first request's turn before a 409. */
const IDEMPOTENT_WAIT_MS = 30_000;

@Controller('v1/responses')
@UseGuards(ProjectKeyGuard)
export class ResponsesController {
  constructor(
    private readonly planner: TurnPlanner,
    private readonly runner: TurnRunner,
    private readonly reader: TurnReader,
    private readonly store: EventStore,
    private readonly gate: TurnGate,
  ) {}

  @Post()
  async create(@CurrentCaller() caller: Caller, @Body() body: unknown, @Req() req: any, @Res() reply: any): Promise<void> {
    if (caller.kind !== 'project_key') throw new AppError(401, 'invalid_api_key', 'Use a project key');
    const ctx = contextOf(req);
    try {
      await this.startTurn(caller, body, ctx, reply);
    } catch (err) {
      // A request that failed before its turn's admission still counts against its key's
      // requests per minute; over the limit, its answer is the 429.
      await this.gate.countRequest(ctx);
      throw err;
    }
  }

  private async startTurn(caller: Caller & { kind: 'project_key' }, body: unknown, ctx: RequestContext, reply: any): Promise<void> {
    const request = parseCreateResponseRequest(body);
    const hash = ctx.idempotencyKey ? requestHash(body) : '';
    if (ctx.idempotencyKey) {
      const earlier = await earlierResponse(this.store, { projectId: caller.projectId, key: ctx.idempotencyKey, hash, now: systemClock.now() });
      if (earlier) {
        await this.gate.countRequest(ctx);
        return this.answerRetry(caller.projectId, earlier, request, reply, ctx.requestId);
      }
    }
    const { draft, memory } = await this.planner.plan(caller, request, ctx);
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
        return this.answerRetry(caller.projectId, claim.responseId, request, reply, ctx.requestId);
      }
      recorded = Promise.resolve(claim.nextVersion);
    } else {
      recorded = this.runner.record(plan, startNow);
    }

    if (queued) {
      const version = await recorded;
      // Answered as this request left it, queued: the worker may have started it already.
      const state = await this.reader.load(caller.projectId, plan.responseId, version);
      reply.status(200).send(await this.reader.toResponse(state));
      return;
    }

    // A stream starts once its request is recorded, so a failure to record is an ordinary error
    // answer; an answer that is not streamed is asked of the model meanwhile (TurnRunner.execute).
    if (request.stream) await recorded;
    const turn = this.runner.execute(plan, recorded);
    if (request.stream) {
      reply.hijack();
      const sse = new SseWriter(reply.raw, { 'x-request-id': ctx.requestId });
      let sequence = -1;
      try {
        // The turn runs to the end whether or not the client is still there.
        for (let r = await turn.next(); !r.done; r = await turn.next()) {
          sse.event(r.value);
          sequence = r.value.sequence_number;
        }
      } catch (err) {
        // Its outcome could not be recorded here (the database failed, or another runner took
        // the turn over): the client is told so and the stream ends, never left open.
        const e = toAppError(err);
        const failure: ErrorEvent = { type: 'error', sequence_number: sequence + 1, error: { type: e.type, code: e.reason, message: e.message, param: null } };
        sse.event(failure);
      } finally {
        sse.end();
      }
      return;
    }
    let outcome: TurnOutcome;
    try {
      let r = await turn.next();
      while (!r.done) r = await turn.next();
      outcome = r.value;
    } catch (err) {
      // Another runner took the turn over (this one was thought gone): its answer is this request's.
      if (err instanceof WrongExpectedVersionError && err.streamId === turnStream(plan.responseId)) {
        return this.answerRetry(caller.projectId, plan.responseId, request, reply, ctx.requestId);
      }
      throw err;
    }
    this.send(reply, outcome);
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

  @Get(':response_id')
  async get(@CurrentCaller() caller: Caller, @Param('response_id') id: string) {
    if (caller.kind !== 'project_key') throw new AppError(401, 'invalid_api_key', 'Use a project key');
    return this.reader.response(caller.projectId, id);
  }

  private send(reply: any, outcome: TurnOutcome): void {
    if (outcome.failure) {
      const err = new AppError(outcome.httpStatus, outcome.failure.code, outcome.failure.message, {
        details: { response: outcome.response },
      });
      reply.status(err.status).send(err.toBody());
      return;
    }
    reply.status(200).send(outcome.response);
  }

  /** A retry with the same key and body: the first request's response, without a new model call. */
  private async answerRetry(projectId: string, responseId: string, request: CreateResponseRequest, reply: any, requestId: string): Promise<void> {
    const state = await this.reader.waitForEnd(projectId, responseId, isQueued(request) ? 0 : IDEMPOTENT_WAIT_MS);
    if (!state) {
      if (isQueued(request)) {
        const queued = await this.reader.load(projectId, responseId).catch(() => null);
        if (queued) {
          reply.status(200).send(await this.reader.toResponse(queued));
          return;
        }
      }
      throw new AppError(409, 'idempotency_in_progress', 'The first request with this X-Idempotency-Key is still running', {
        headers: { 'Retry-After': '2' },
      });
    }
    const response = await this.reader.toResponse(state);
    if (request.stream) {
      reply.hijack();
      const sse = new SseWriter(reply.raw, { 'x-request-id': requestId });
      for (const event of replayStream(request, response) as Iterable<ResponseStreamEvent>) sse.event(event);
      sse.end();
      return;
    }
    if (state.failed) {
      const err = new AppError(state.failed.status_code, state.failed.error.code, state.failed.error.message, { details: { response } });
      reply.status(err.status).send(err.toBody());
      return;
    }
    reply.status(200).send(response);
  }
}
