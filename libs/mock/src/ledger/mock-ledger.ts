import { badRequest, notFound, parseOrThrow } from '@genaug/kernel';
import {
  addDays,
  daysBetween,
  emptyFigures,
  inputText,
  MAX_USAGE_DAYS,
  outputText,
  todayIn,
  usageQuerySchema,
  type TraceDetail,
  type TraceSpan,
  type UsageFigures,
  type UsageReport,
} from '@genaug/audit';
import type { Clock } from '@genaug/kernel';
import { ANONYMOUS_USER, messageCount } from '@genaug/turns';
import { inputItems } from '@genaug/responses';
import { BoundedMap } from '../bounded-map';
import type { MockTurnOutcome, MockTurnPlan } from '../turns/mock-turn';

// Usage and traces of the mock's turns, in the shapes of the real admin routes (libs/audit).
// The mock is one project: any project id reads the same figures. Days are UTC days.

const TRACE_CAPACITY = 10_000;

interface UsageCell extends UsageFigures {
  day: string;
  user: string;
  feature: string | null;
  model: string | null;
}

const GROUPS = { day: 'day', user: 'user', feature: 'feature', model: 'model' } as const;

export class MockLedger {
  private readonly traces = new BoundedMap<string, { plan: MockTurnPlan; outcome: MockTurnOutcome }>(TRACE_CAPACITY);
  /** trace id and request id -> response id of the latest turn that carried it. */
  private readonly aliases = new BoundedMap<string, string>(TRACE_CAPACITY * 2);
  private readonly cells = new Map<string, UsageCell>();

  constructor(private readonly clock: Clock) {}

  /** Counts the turn in usage now; its trace is built when someone reads it. */
  record(plan: MockTurnPlan, outcome: MockTurnOutcome): void {
    const { request, ctx } = plan;
    const response = outcome.response;
    this.traces.set(response.id, { plan, outcome });
    this.aliases.set(ctx.traceId, response.id);
    this.aliases.set(ctx.requestId, response.id);

    const usage = outcome.usage;
    const day = outcome.endedAt.toISOString().slice(0, 10);
    const user = request.user ?? ANONYMOUS_USER;
    const feature = request.metadata?.feature ?? null;
    const key = `${day}\u0000${user}\u0000${feature ?? ''}\u0000${outcome.model}`;
    let cell = this.cells.get(key);
    if (!cell) this.cells.set(key, (cell = { ...emptyFigures(), day, user, feature, model: outcome.model }));
    cell.agent_turns += 1;
    cell.messages += messageCount(inputItems(request) as never) + (response.output.some((i) => i.type === 'message') ? 1 : 0);
    cell.input_tokens += usage?.inputTokens ?? 0;
    cell.output_tokens += usage?.outputTokens ?? 0;
    cell.cached_tokens += usage?.cachedTokens ?? 0;
    cell.reasoning_tokens += usage?.reasoningTokens ?? 0;
    cell.total_tokens += (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0);
    cell.cost_usd = round8(cell.cost_usd + outcome.costUsd);
    if (outcome.failure) cell.errors += 1;
  }

  /** GET …/traces/{id}: by response id, trace id or request id. */
  trace(id: string): TraceDetail {
    const turn = this.traces.get(id) ?? this.traces.get(this.aliases.get(id) ?? '');
    if (!turn) throw notFound('Trace', 'trace_id');
    return traceOf(turn.plan, turn.outcome);
  }

  /** GET …/usage, as libs/audit reports it. */
  usage(projectId: string, query: unknown): UsageReport {
    const q = parseOrThrow(usageQuerySchema, query ?? {});
    const end = q.end_date ?? (q.start_date ? addDays(q.start_date, 29) : todayIn('UTC', this.clock.now()));
    const start = q.start_date ?? addDays(end, -29);
    if (start > end) throw badRequest('start_date', 'start_date must not be after end_date');
    if (daysBetween(start, end).length > MAX_USAGE_DAYS) throw badRequest('end_date', `A report covers at most ${MAX_USAGE_DAYS} days`);

    const group = GROUPS[q.group_by];
    const groups = new Map<string | null, UsageFigures>();
    const totals = emptyFigures();
    for (const cell of this.cells.values()) {
      if (cell.day < start || cell.day > end) continue;
      if (q.user && cell.user !== q.user) continue;
      if (q.feature && cell.feature !== q.feature) continue;
      const key = cell[group];
      const figures = groups.get(key) ?? emptyFigures();
      add(figures, cell);
      add(totals, cell);
      groups.set(key, figures);
    }
    let keys = [...groups.keys()].sort(byKey);
    if (q.group_by === 'day') keys = daysBetween(start, end);
    return {
      object: 'usage',
      project_id: projectId,
      start_date: start,
      end_date: end,
      timezone: 'UTC',
      group_by: q.group_by,
      data: keys.map((key) => ({ [q.group_by]: key, ...(groups.get(key) ?? emptyFigures()) })),
      totals,
    };
  }
}

/** A turn's trace in the shape of libs/audit's TraceDetail. */
function traceOf(plan: MockTurnPlan, outcome: MockTurnOutcome): TraceDetail {
  const { request, ctx } = plan;
  const response = outcome.response;
  const usage = outcome.usage;
  const figures = {
    input_tokens: usage?.inputTokens ?? 0,
    output_tokens: usage?.outputTokens ?? 0,
    cached_tokens: usage?.cachedTokens ?? 0,
    reasoning_tokens: usage?.reasoningTokens ?? 0,
  };
  const input = inputItems(request);
  return {
    object: 'trace',
    trace_id: ctx.traceId,
    response_id: response.id,
    request_id: ctx.requestId,
    status: outcome.failure ? 'failed' : response.status,
    user: request.user ?? ANONYMOUS_USER,
    key_id: null,
    idempotency_key: ctx.idempotencyKey,
    feature: request.metadata?.feature ?? null,
    source: request.metadata?.source ?? 'api',
    metadata: request.metadata ?? {},
    requested_model: request.model,
    provider: outcome.provider,
    model: outcome.model,
    started_at: outcome.startedAt.toISOString(),
    ended_at: outcome.endedAt.toISOString(),
    duration_ms: outcome.endedAt.getTime() - outcome.startedAt.getTime(),
    usage: { ...figures, total_tokens: figures.input_tokens + figures.output_tokens },
    cost_usd: outcome.costUsd,
    error: outcome.failure ? { ...outcome.failure } : null,
    incomplete_reason: response.incomplete_details?.reason ?? null,
    counts: {
      model_calls: 1,
      model_errors: outcome.failure ? 1 : 0,
      function_calls: response.output.filter((i) => i.type === 'function_call').length,
      attempts: 1,
    },
    previous_response_id: request.previous_response_id ?? null,
    conversation_id: request.conversation?.id ?? null,
    stream: !!request.stream,
    background: !!request.background,
    user_agent: ctx.userAgent,
    traceparent: ctx.traceparent,
    input: { text: inputText(input), items: input },
    instructions: request.instructions ?? null,
    output: outcome.failure ? null : { text: outputText(response.output), items: response.output },
    spans: spansOf(plan, outcome, figures),
  };
}

function add(into: UsageFigures, from: UsageFigures): void {
  for (const k of Object.keys(into) as (keyof UsageFigures)[]) into[k] = k === 'cost_usd' ? round8(into[k] + from[k]) : into[k] + from[k];
}

const round8 = (n: number) => Math.round(n * 1e8) / 1e8;

/** As PostgreSQL orders them: by value, nulls last. */
const byKey = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);

/** The request, model call and completion spans the real trace shows, without the event log's positions. */
function spansOf(plan: MockTurnPlan, outcome: MockTurnOutcome, usage: Record<string, number>): TraceSpan[] {
  const { request, ctx } = plan;
  const started = outcome.startedAt.toISOString();
  const duration = outcome.endedAt.getTime() - outcome.startedAt.getTime();
  const status = outcome.failure ? 'failed' : outcome.response.status;
  return [
    {
      kind: 'request',
      name: 'request',
      status: 'ok',
      started_at: started,
      duration_ms: null,
      position: 0,
      attributes: {
        model: request.model,
        stream: !!request.stream,
        background: !!request.background,
        store: request.store !== false,
        previous_response_id: request.previous_response_id ?? null,
        conversation_id: request.conversation?.id ?? null,
        idempotency_key: ctx.idempotencyKey,
        memory_ids: plan.memory.ids,
      },
    },
    {
      kind: 'model_call',
      name: `${outcome.provider}/${outcome.model}`,
      status: outcome.failure ? 'error' : 'ok',
      started_at: started,
      duration_ms: duration,
      position: 1,
      attributes: { provider: outcome.provider, model: outcome.model, purpose: 'answer', latency_ms: duration, usage, cost_usd: outcome.costUsd, error: outcome.failure?.message ?? null },
    },
    {
      kind: 'completion',
      name: status,
      status,
      started_at: outcome.endedAt.toISOString(),
      duration_ms: null,
      position: 2,
      attributes: { incomplete_reason: outcome.response.incomplete_details?.reason ?? null, provider: outcome.provider, model: outcome.model, usage, cost_usd: outcome.costUsd },
    },
  ];
}
