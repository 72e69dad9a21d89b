import { AppError, type Clock, type RequestContext } from '@genaug/kernel';
import { costUsd, LocalProvider, type ModelCandidate, type ModelRequest, type ModelStreamEvent, type ModelUsage, type PriceTable } from '@genaug/models';
import { ResponseSequencer, type CreateResponseRequest, type ResponseObject, type ResponseStreamEvent, type StreamStep, type TokenCounts } from '@genaug/responses';
import { answerChunks, compactionRequest, toModelRequest, type ContextItem } from '@genaug/turns';
import { FAILURE_TRIGGERS, type FailureTrigger } from './error-triggers';
import { wholeResponse } from './whole-response';

// One turn as the real server runs it (libs/turns TurnRunner), without the event store: the
// same model request, the same sequencer, the same metadata and failure shapes. The answer
// comes from the local model, so it is derived from the input alone.

export interface MockTurnPlan {
  responseId: string;
  request: CreateResponseRequest;
  ctx: RequestContext;
  /** History (previous response or conversation) followed by this request's input. */
  context: ContextItem[];
  /** The user's recalled memories, given to the model with the instructions. */
  memory: { ids: string[]; text: string | null };
  candidate: ModelCandidate;
  prices: PriceTable;
  failure: FailureTrigger | null;
  /** A compaction (POST /v1/responses/compact) rather than the conversation's next answer. */
  purpose?: 'answer' | 'compaction';
}

/** The finished turn, as the caller answers it and the ledger records it. */
export interface MockTurnOutcome {
  response: ResponseObject;
  /** How a background response's output streamed (see StreamStep). */
  steps?: StreamStep[];
  /** 200, or 502/504 for a turn whose model failed. */
  httpStatus: number;
  failure: { code: string; message: string; type: string } | null;
  provider: string;
  model: string;
  usage: TokenCounts | null;
  costUsd: number;
  startedAt: Date;
  endedAt: Date;
}

const local = new LocalProvider();

/** The response metadata before the model answered: the client's pairs and our ids. */
export function turnMetadata(request: CreateResponseRequest, ctx: RequestContext): Record<string, string> {
  return { ...(request.metadata ?? {}), general_augment_request_id: ctx.requestId, general_augment_trace_id: ctx.traceId };
}

/**
 * A non-streaming turn: the same answer, metadata and failure as runMockTurn, built without
 * stream events (see whole-response.ts). Failures take the streaming path: they are rare and
 * their shape is the sequencer's.
 */
export async function answerMockTurn(plan: MockTurnPlan, clock: Clock): Promise<MockTurnOutcome> {
  if (plan.failure) {
    const run = runMockTurn(plan, clock);
    let r = await run.next();
    while (!r.done) r = await run.next();
    return r.value;
  }
  const { request, candidate } = plan;
  const startedAt = clock.now();
  const events = await gathered(answerOf(plan, modelRequestOf(plan)));
  const completed = events.find((e) => e.type === 'completed');
  if (completed?.type !== 'completed') throw new AppError(500, 'internal_error', 'The local model ended without completing');
  const { usage, cost, metadata } = priced(plan, completed.usage);
  const endedAt = clock.now();
  const response = wholeResponse(request, { id: plan.responseId, createdAt: startedAt, completedAt: endedAt, metadata }, events);
  return { response, httpStatus: 200, failure: null, provider: candidate.provider.name, model: candidate.model, usage, costUsd: cost, startedAt, endedAt };
}

/** Usage and cost of an answer, and the metadata that reports them. */
function priced(plan: MockTurnPlan, u: ModelUsage, metadata = turnMetadata(plan.request, plan.ctx)) {
  const usage: TokenCounts = { inputTokens: u.inputTokens, outputTokens: u.outputTokens, cachedTokens: u.cachedTokens ?? 0, reasoningTokens: u.reasoningTokens ?? 0 };
  const cost = costUsd(`${plan.candidate.provider.name}/${plan.candidate.model}`, u, plan.prices);
  // A warm-up asked no model.
  if (plan.request.generate !== false) metadata.general_augment_model = plan.candidate.model;
  metadata.general_augment_cost_usd = cost.toFixed(8);
  return { usage, cost, metadata };
}

/** The local model's answer; none for `generate: false` (a warm-up), as on the server. */
async function* answerOf(plan: MockTurnPlan, request: ModelRequest): AsyncGenerator<ModelStreamEvent> {
  if (plan.request.generate === false) {
    yield { type: 'completed', usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'stop' };
    return;
  }
  yield* local.stream(plan.candidate.model, request, new AbortController().signal);
}

function modelRequestOf(plan: MockTurnPlan): ModelRequest {
  const instructions = [plan.request.instructions, plan.memory.text].filter(Boolean).join('\n\n') || null;
  const request = toModelRequest(plan.request, instructions, plan.context);
  if (plan.purpose === 'compaction') compactionRequest(request);
  return request;
}

export async function* runMockTurn(plan: MockTurnPlan, clock: Clock): AsyncGenerator<ResponseStreamEvent, MockTurnOutcome> {
  const { request, candidate } = plan;
  const startedAt = clock.now();
  const metadata = turnMetadata(request, plan.ctx);
  // A background response's steps are kept, so its stream told again is numbered as it was told live.
  const seq = new ResponseSequencer({ request, responseId: plan.responseId, model: request.model, metadata, clock, steps: !!request.background });
  const outcome = (usage: TokenCounts | null, cost: number, failure: MockTurnOutcome['failure'], httpStatus = 200): MockTurnOutcome => ({
    response: seq.response,
    steps: seq.steps ?? undefined,
    httpStatus,
    failure,
    provider: candidate.provider.name,
    model: candidate.model,
    usage,
    costUsd: cost,
    startedAt,
    endedAt: clock.now(),
  });

  if (plan.failure) {
    const { status, message } = FAILURE_TRIGGERS[plan.failure];
    const failure = { code: plan.failure, message, type: 'upstream_error' };
    metadata.general_augment_cost_usd = (0).toFixed(8);
    yield* seq.push({ type: 'failed', error: failure });
    return outcome(null, 0, failure, status);
  }

  const modelRequest = modelRequestOf(plan);
  const format = modelRequest.textFormat;
  // As on the real server: output that must validate is gathered whole before the client sees it.
  const validates = format?.type === 'json_object' || (format?.type === 'json_schema' && !!format.strict);
  const events = validates ? await gathered(answerOf(plan, modelRequest)) : null;
  let usage: TokenCounts | null = null;
  let cost = 0;
  const answered = (u: ModelUsage) => ({ usage, cost } = priced(plan, u, metadata));

  if (events) {
    const completed = events.find((e) => e.type === 'completed');
    if (completed?.type !== 'completed') throw new AppError(500, 'internal_error', 'The local model ended without completing');
    answered(completed.usage);
    const text = events.map((e) => (e.type === 'text.delta' ? e.delta : '')).join('');
    for (const chunk of answerChunks(text)) yield* seq.push({ type: 'text.delta', delta: chunk });
    for (const e of events) {
      if (e.type !== 'function_call.done') continue;
      yield* seq.push({ type: 'function_call.started', callId: e.callId, name: e.name });
      yield* seq.push({ type: 'function_call.done', callId: e.callId, name: e.name, arguments: e.arguments });
    }
    yield* seq.push({ type: 'completed', usage: usage!, finishReason: completed.finishReason });
  } else {
    for await (const event of answerOf(plan, modelRequest)) {
      if (event.type === 'completed') {
        answered(event.usage);
        yield* seq.push({ type: 'completed', usage: usage!, finishReason: event.finishReason });
      } else {
        yield* seq.push(event);
      }
    }
  }
  return outcome(usage, cost, null);
}



async function gathered(stream: AsyncIterable<ModelStreamEvent>): Promise<ModelStreamEvent[]> {
  const out: ModelStreamEvent[] = [];
  for await (const event of stream) out.push(event);
  return out;
}

