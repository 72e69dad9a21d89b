import type { ServerResponse } from 'node:http';
import { AppError, badRequest, newId, notFound, type Clock, type RequestContext } from '@genaug/kernel';
import { estimateInputTokens, loadModelEnv, ModelRouter, type ModelCandidate } from '@genaug/models';
import {
  buildResponse,
  encodeSseEvent,
  inputItems,
  inputItemsPage,
  parseCompactRequest,
  parseCreateResponseRequest,
  parseInputTokensRequest,
  parseRetrieveQuery,
  type InputTokenCount,
  SSE_DONE,
  SSE_HEADERS,
  type CreateResponseRequest,
  type ResponseObject,
  type ResponseStreamEvent,
} from '@genaug/responses';
import { MemoryRecall, type MemorySearch, type RecallLimits } from '@genaug/memory';
import { toModelRequest, alreadyEnded, responseInProgress, compactionResource, compactionSummary, compactionTurnBody, notBackground, outputAsContext, userText, type ContextItem } from '@genaug/turns';
// Pure functions of the turns slice that its index does not export (yet).
import { requestHash } from '../../../turns/src/idempotency/idempotency';
import { replayStream, streamAfter } from '../../../turns/src/request-turn/replay';
import { BoundedMap } from '../bounded-map';
import type { MockLedger } from '../ledger/mock-ledger';
import type { MockMemory } from '../memory/mock-memory';
import type { MockConversations } from './mock-conversations';
import { sendJson, type MockRequest } from '../mock-http';
import { checkTurnRequest } from './request-checks';
import { mockCompactionContent, openMockCompactions } from './mock-compaction';
import { isFailureTrigger, isLimitTrigger, limitError, MOCK_USER_PREFIX, QUEUED_TRIGGER, triggerOf } from './error-triggers';
import { answerMockTurn, runMockTurn, turnMetadata, type MockTurnOutcome, type MockTurnPlan } from './mock-turn';

const MOCK_PROJECT = 'mock';

/** How many recent responses and idempotency keys the mock remembers. */
const MEMORY_CAPACITY = 10_000;

interface StoredTurn {
  request: CreateResponseRequest;
  context: ContextItem[];
  /** The response once the turn ended; before, built on demand from `started`. */
  response: ResponseObject | null;
  started: { id: string; createdAt: Date; metadata: Record<string, string> };
  outcome: MockTurnOutcome | null;
  ended: Promise<void>;
}

/** POST /v1/responses and GET /v1/responses/{id}, answered like the real server, kept in memory. */
export class MockResponses {
  // The defaults only: tiers served by the local models, whatever the environment says.
  private readonly router = new ModelRouter({ env: loadModelEnv({}) });
  private readonly turns = new BoundedMap<string, StoredTurn>(MEMORY_CAPACITY);
  private readonly keys = new BoundedMap<string, { hash: string; responseId: string }>(MEMORY_CAPACITY);

  private readonly recall: MemoryRecall;
  /** The default memory settings' caps, read once. */
  private readonly recallLimits: RecallLimits;

  constructor(
    private readonly ledger: MockLedger,
    memory: MockMemory,
    private readonly clock: Clock,
    private readonly conversations: MockConversations,
  ) {
    // The real recall (ranking caps, context text) over the mock's memories instead of PostgreSQL.
    const search = { search: async (_projectId: string, input: Parameters<MockMemory['ranked']>[0]) => memory.ranked(input) };
    this.recall = new MemoryRecall(search as unknown as MemorySearch, clock);
    this.recallLimits = this.recall.limitsFor({});
  }

  async create(req: MockRequest, res: ServerResponse): Promise<void> {
    const { ctx } = req;
    const started = await this.begin(req.body, ctx);
    if (started.kind === 'earlier') return this.answerRetry(started.turn, started.request, req, res);
    if (started.kind === 'queued') {
      sendJson(res, 200, unfinished(started.turn), { 'x-request-id': ctx.requestId });
      return;
    }
    if (started.request.stream) {
      const stream = openStream(res, ctx.requestId);
      const run = started.events();
      let r = await run.next();
      for (; !r.done; r = await run.next()) stream.write(r.value);
      stream.end();
      return;
    }
    this.answer(res, await started.whole(), ctx.requestId);
  }

  /** A response.create event of a WebSocket connection: a streamed turn, as over HTTP. */
  async startSocketTurn(body: Record<string, unknown>, ctx: RequestContext): Promise<{ responseId: string; turn: AsyncGenerator<ResponseStreamEvent, MockTurnOutcome> }> {
    const started = await this.begin(body, ctx);
    if (started.kind !== 'running') throw new Error(`a WebSocket turn cannot be ${started.kind}`);
    return { responseId: started.turn.started.id, turn: started.events() };
  }

  /**
   * A turn request planned as the server plans it: answered from the turn an earlier request
   * with its idempotency key started, queued for "the worker" (background), or to run here,
   * streamed (`events`) or whole; either way the turn is kept and metered once it ends.
   */
  private async begin(body: unknown, ctx: RequestContext): Promise<
    | { kind: 'earlier'; request: CreateResponseRequest; turn: StoredTurn }
    | { kind: 'queued'; request: CreateResponseRequest; turn: StoredTurn }
    | {
        kind: 'running';
        request: CreateResponseRequest;
        turn: StoredTurn;
        events: () => AsyncGenerator<ResponseStreamEvent, MockTurnOutcome>;
        whole: () => Promise<MockTurnOutcome>;
      }
  > {
    const request = parseCreateResponseRequest(body);
    checkTurnRequest(request);
    const candidate: ModelCandidate = this.router.resolve(request.model)[0];
    const history = this.history(request);
    const trigger = triggerOf(request.user);
    if (trigger && isLimitTrigger(trigger)) throw limitError(trigger, request, this.clock.now());
    const held = trigger === QUEUED_TRIGGER;
    if (held && !(request.background && !request.stream)) {
      throw badRequest('user', `${MOCK_USER_PREFIX}${QUEUED_TRIGGER} holds a background turn queued until it is cancelled: send background: true, without stream`);
    }

    const hash = ctx.idempotencyKey ? requestHash(body) : null;
    if (ctx.idempotencyKey) {
      if (ctx.idempotencyKey.length > 256) {
        throw new AppError(400, 'invalid_request', 'X-Idempotency-Key must be at most 256 characters', { param: 'X-Idempotency-Key' });
      }
      const claimed = this.keys.get(ctx.idempotencyKey);
      if (claimed && claimed.hash !== hash) {
        throw new AppError(422, 'idempotency_key_reused', 'This X-Idempotency-Key was used with a different request body', {
          param: 'X-Idempotency-Key',
        });
      }
      if (claimed) {
        // The first request's response was deleted since: found no more than GET finds it.
        const turn = this.turns.get(claimed.responseId);
        if (!turn) throw notFound('Response', 'response_id');
        return { kind: 'earlier', request, turn };
      }
    }

    const input = openMockCompactions(inputItems(request) as ContextItem[]);
    const plan: MockTurnPlan = {
      responseId: newId('resp'),
      request,
      ctx,
      context: [...history, ...input],
      memory: await this.memoryFor(request.user ?? null, input),
      candidate,
      prices: this.router.settingsFor().prices,
      failure: trigger && isFailureTrigger(trigger) ? trigger : null,
    };
    if (ctx.idempotencyKey) this.keys.set(ctx.idempotencyKey, { hash: hash!, responseId: plan.responseId });
    let ended!: () => void;
    const turn: StoredTurn = {
      request,
      context: plan.context,
      response: null,
      started: { id: plan.responseId, createdAt: this.clock.now(), metadata: turnMetadata(request, ctx) },
      outcome: null,
      ended: new Promise<void>((resolve) => (ended = resolve)),
    };
    this.turns.set(plan.responseId, turn);

    const finish = (outcome: MockTurnOutcome) => {
      turn.outcome = outcome;
      // Cancelled while queued: the answer is not the response.
      if (turn.response?.status === 'cancelled') {
        ended();
        return outcome;
      }
      turn.response = outcome.response;
      if (request.conversation && !outcome.failure) {
        this.conversations.addTurn(request.conversation.id, [...input, ...outputAsContext(outcome.response.output)]);
      }
      this.ledger.record(plan, outcome);
      ended();
      return outcome;
    };
    const whole = async () => finish(await answerMockTurn(plan, this.clock));

    if (request.background && !request.stream) {
      // Queued now, answered by "the worker" right after, unless held until it is cancelled.
      if (!held) setImmediate(() => void whole());
      return { kind: 'queued', request, turn };
    }
    const clock = this.clock;
    return {
      kind: 'running',
      request,
      turn,
      whole,
      events: async function* () {
        return finish(yield* runMockTurn(plan, clock));
      },
    };
  }

  /** POST /v1/responses/input_tokens: what the local model would read for this request, counted as it counts. */
  countInputTokens(req: MockRequest, res: ServerResponse): void {
    const request = parseInputTokensRequest(req.body);
    checkTurnRequest(request);
    this.router.resolve(request.model);
    const context = this.context(request);
    const count: InputTokenCount = { object: 'response.input_tokens', input_tokens: estimateInputTokens(toModelRequest(request, request.instructions ?? null, context)) };
    sendJson(res, 200, count, { 'x-request-id': req.ctx.requestId });
  }

  /** POST /v1/responses/compact, as the server answers it; the turn is kept like one not stored. */
  async compact(req: MockRequest, res: ServerResponse): Promise<void> {
    const request = parseCreateResponseRequest(compactionTurnBody(parseCompactRequest(req.body)));
    checkTurnRequest(request);
    const plan: MockTurnPlan = {
      responseId: newId('resp'),
      request,
      ctx: req.ctx,
      context: this.context(request),
      memory: { ids: [], text: null },
      candidate: this.router.resolve(request.model)[0],
      prices: this.router.settingsFor().prices,
      failure: null,
      purpose: 'compaction',
    };
    const outcome = await answerMockTurn(plan, this.clock);
    this.ledger.record(plan, outcome);
    const { response } = outcome;
    sendJson(res, 200, compactionResource(response, plan.context, mockCompactionContent(compactionSummary(response))), { 'x-request-id': req.ctx.requestId });
  }

  /** GET /v1/responses/{id}/input_items: what the stored response's model read, as the server pages it. */
  inputItems(req: MockRequest, res: ServerResponse, responseId: string): void {
    const turn = this.turns.get(responseId);
    if (!turn || turn.request.store === false) throw notFound('Response', 'response_id');
    const page = inputItemsPage(responseId, turn.context as unknown as Record<string, unknown>[], Object.fromEntries(req.query));
    sendJson(res, 200, page, { 'x-request-id': req.ctx.requestId });
  }

  /**
   * POST /v1/responses/{id}/cancel, refused as the server refuses it. The mock's "worker" answers
   * a background turn right after it is queued, so it is cancelled only when asked before that.
   */
  cancel(req: MockRequest, res: ServerResponse, responseId: string): void {
    const turn = this.turns.get(responseId);
    if (!turn || turn.request.store === false) throw notFound('Response', 'response_id');
    if (!turn.request.background) throw notBackground();
    if (turn.response?.status !== 'cancelled') {
      if (turn.outcome) throw alreadyEnded(turn.outcome.failure ? 'failed' : turn.outcome.response.status);
      const { id, createdAt, metadata } = turn.started;
      turn.response = buildResponse(turn.request, { id, createdAt, status: 'cancelled', metadata });
    }
    sendJson(res, 200, turn.response, { 'x-request-id': req.ctx.requestId });
  }

  /** DELETE /v1/responses/{id}: an ended response is forgotten; one still running is a 409, as on the server. */
  delete(req: MockRequest, res: ServerResponse, responseId: string): void {
    const turn = this.turns.get(responseId);
    if (!turn || turn.request.store === false) throw notFound('Response', 'response_id');
    if (!turn.outcome && turn.response?.status !== 'cancelled') throw responseInProgress();
    this.turns.delete(responseId);
    sendJson(res, 200, { id: responseId, object: 'response', deleted: true }, { 'x-request-id': req.ctx.requestId });
  }

  /** GET /v1/responses/{id}: the response, or with `stream=true` its stream after `starting_after`, once it has ended. */
  async get(req: MockRequest, res: ServerResponse, responseId: string): Promise<void> {
    const { stream, startingAfter } = parseRetrieveQuery(Object.fromEntries(req.query));
    const turn = this.turns.get(responseId);
    if (!turn || turn.request.store === false) throw notFound('Response', 'response_id');
    if (!stream) return sendJson(res, 200, turn.response ?? unfinished(turn), { 'x-request-id': req.ctx.requestId });
    const sse = openStream(res, req.ctx.requestId);
    // A turn held queued (mock:queued) ends only when it is cancelled.
    while (!turn.outcome && turn.response?.status !== 'cancelled' && !res.destroyed) await new Promise((resolve) => setTimeout(resolve, 50));
    const response = turn.response ?? turn.outcome?.response;
    if (response) for (const event of streamAfter(replayStream(turn.request, response, turn.outcome?.steps), startingAfter)) sse.write(event);
    sse.end();
  }

  /** The user's memories most relevant to the input, as the real planner recalls them (default settings). */
  private async memoryFor(user: string | null, input: ContextItem[]): Promise<MockTurnPlan['memory']> {
    if (!user) return { ids: [], text: null };
    const recalled = await this.recall.recall(MOCK_PROJECT, user, userText(input), this.recallLimits);
    return { ids: recalled.map((m) => m.id), text: this.recall.asContext(recalled) };
  }

  /** What the model reads for a request that is not a turn of its own (a compaction, a count): its history, then its input. */
  private context(request: CreateResponseRequest): ContextItem[] {
    return [...this.history(request), ...openMockCompactions(inputItems(request) as ContextItem[])];
  }

  /** The context a request continues from: a previous response's, or its conversation's. */
  private history(request: CreateResponseRequest): ContextItem[] {
    if (request.previous_response_id) {
      const previous = this.turns.get(request.previous_response_id);
      if (!previous) throw new AppError(404, 'not_found', 'Previous response not found', { param: 'previous_response_id' });
      return [...previous.context, ...outputAsContext(previous.response?.output ?? [])];
    }
    if (request.conversation) return this.conversations.history(request.conversation.id);
    return [];
  }

  /** A retry with the same key and body: the first request's response, without running the turn again. */
  private async answerRetry(turn: StoredTurn, request: CreateResponseRequest, req: MockRequest, res: ServerResponse): Promise<void> {
    if (request.background && (!turn.outcome || turn.response?.status === 'cancelled')) {
      sendJson(res, 200, turn.response ?? unfinished(turn), { 'x-request-id': req.ctx.requestId });
      return;
    }
    await turn.ended;
    const outcome = turn.outcome!;
    if (request.stream) {
      const stream = openStream(res, req.ctx.requestId);
      for (const event of replayStream(request, outcome.response)) stream.write(event);
      stream.end();
      return;
    }
    this.answer(res, outcome, req.ctx.requestId);
  }

  private answer(res: ServerResponse, outcome: MockTurnOutcome, requestId: string): void {
    if (outcome.failure) {
      const err = new AppError(outcome.httpStatus, outcome.failure.code, outcome.failure.message, { details: { response: outcome.response } });
      sendJson(res, err.status, err.toBody(), { 'x-request-id': requestId });
      return;
    }
    sendJson(res, 200, outcome.response, { 'x-request-id': requestId });
  }
}

/** A turn that has not ended: queued until "the worker" takes a background turn, else in progress. */
function unfinished(turn: StoredTurn): ResponseObject {
  const { id, createdAt, metadata } = turn.started;
  return buildResponse(turn.request, { id, createdAt, status: turn.request.background ? 'queued' : 'in_progress', metadata });
}

/** Server-sent events with the real server's headers; each event is written whole. */
function openStream(res: ServerResponse, requestId: string) {
  res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': requestId });
  return {
    write(event: { type: string }) {
      if (!res.destroyed) res.write(encodeSseEvent(event));
    },
    end() {
      if (!res.destroyed) res.end(SSE_DONE);
    },
  };
}
