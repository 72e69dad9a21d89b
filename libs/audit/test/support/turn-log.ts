import { randomBytes } from 'crypto';
import { EventStore, Sealer, type EventMetadata, type NewEvent } from '@genaug/event-store';
import { newId } from '@genaug/kernel';
import { turnStream } from '@genaug/turns';

// Turns written straight into the log with the turn slice's registered event types, the way
// the turn runner records them, so read models are tested against every shape a turn takes.

export interface ModelCallSpec {
  provider?: string;
  model?: string;
  outcome?: 'ok' | 'error' | 'timeout';
  error?: string | null;
  latencyMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

export interface TurnSpec {
  projectId: string;
  user: string;
  feature?: string | null;
  source?: string;
  day?: string;
  input?: string;
  output?: string;
  instructions?: string | null;
  metadata?: Record<string, string>;
  modelCalls?: ModelCallSpec[];
  functionCalls?: { name: string; arguments: string }[];
  failure?: { code: string; message: string; statusCode: number };
  idempotencyKey?: string | null;
  userAgent?: string | null;
  keyId?: string;
}

export interface WrittenTurn {
  responseId: string;
  requestId: string;
  traceId: string;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

export async function appendTurn(store: EventStore, sealer: Sealer, spec: TurnSpec): Promise<WrittenTurn> {
  const responseId = newId('resp');
  const requestId = newId('req');
  const traceId = randomBytes(16).toString('hex');
  const keyId = spec.keyId ?? 'key_test';
  const meta: EventMetadata = {
    project_id: spec.projectId,
    user: spec.user,
    correlation_id: requestId,
    causation_id: responseId,
    trace_id: traceId,
    actor: `api_key:${keyId}`,
  };
  const seal = (v: unknown) => sealer.sealJson(spec.projectId, spec.user, v);
  const input = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: spec.input ?? 'Hello' }] }];
  const feature = spec.feature === undefined ? 'support' : spec.feature;
  const source = spec.source ?? 'app-backend';
  const calls = (spec.modelCalls ?? [{}]).map((c) => ({
    provider: c.provider ?? 'local',
    model: c.model ?? 'local-balanced',
    outcome: c.outcome ?? 'ok',
    error: c.error ?? null,
    latencyMs: c.latencyMs ?? 12,
    inputTokens: c.inputTokens ?? 10,
    outputTokens: c.outputTokens ?? 5,
    costUsd: c.costUsd ?? 0.000123,
  }));
  const ok = calls.filter((c) => c.outcome === 'ok');
  const answeredBy = ok[ok.length - 1] ?? null;
  const inputTokens = ok.reduce((s, c) => s + c.inputTokens, 0);
  const outputTokens = ok.reduce((s, c) => s + c.outputTokens, 0);
  const costUsd = calls.reduce((s, c) => s + c.costUsd, 0);
  const usage = { input_tokens: inputTokens, output_tokens: outputTokens, cached_tokens: 0, reasoning_tokens: 0 };
  const requested: NewEvent[] = [
    {
      type: 'TurnRequested',
      data: {
        response_id: responseId,
        model: 'balanced',
        request: { model: 'balanced' },
        context_sealed: await seal(input),
        input_sealed: await seal(input),
        instructions_sealed: spec.instructions ? await sealer.seal(spec.projectId, spec.user, spec.instructions) : null,
        user: spec.user,
        anonymous_user: false,
        key_id: keyId,
        request_id: requestId,
        trace_id: traceId,
        idempotency_key: spec.idempotencyKey ?? null,
        previous_response_id: null,
        conversation_id: null,
        background: false,
        stream: false,
        store: true,
        feature,
        source,
        metadata: spec.metadata ?? (feature ? { feature, source } : { source }),
        user_agent: spec.userAgent ?? null,
        traceparent: null,
        memory_ids: [],
      },
      metadata: meta,
    },
    { type: 'TurnStarted', data: { attempt: 1 }, metadata: meta },
  ];
  await store.append(turnStream(responseId), requested, { expectedVersion: 'no_stream' });
  const now = new Date();

  const outcome: NewEvent[] = calls.map((c, i) => ({
    type: 'ModelCalled',
    data: {
      call_id: `call_${i}`,
      provider: c.provider,
      model: c.model,
      started_at: new Date(now.getTime() + i).toISOString(),
      latency_ms: c.latencyMs,
      outcome: c.outcome,
      error: c.error,
      usage: c.outcome === 'ok' ? { input_tokens: c.inputTokens, output_tokens: c.outputTokens, cached_tokens: 0, reasoning_tokens: 0 } : null,
      cost_usd: c.costUsd,
      purpose: 'answer',
    },
    metadata: meta,
  }));
  for (const [i, fc] of (spec.functionCalls ?? []).entries()) {
    outcome.push({
      type: 'FunctionCallRequested',
      data: { item_id: `fc_${i}`, call_id: `call_fn_${i}`, name: fc.name, arguments_sealed: await sealer.seal(spec.projectId, spec.user, fc.arguments) },
      metadata: meta,
    });
  }
  const output = [
    ...(spec.functionCalls ?? []).map((fc, i) => ({ type: 'function_call', id: `fc_${i}`, call_id: `call_fn_${i}`, name: fc.name, arguments: fc.arguments })),
    ...(spec.output !== undefined || !spec.functionCalls?.length
      ? [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: spec.output ?? 'Hi there', annotations: [] }] }]
      : []),
  ];
  if (spec.failure) {
    outcome.push({
      type: 'TurnFailed',
      data: {
        error: { code: spec.failure.code, message: spec.failure.message, type: 'upstream_error' },
        status_code: spec.failure.statusCode,
        usage,
        cost_usd: costUsd,
        failed_at: now.toISOString(),
      },
      metadata: meta,
    });
  } else {
    outcome.push({
      type: 'TurnCompleted',
      data: {
        status: 'completed',
        incomplete_reason: null,
        output_sealed: await seal(output),
        usage,
        cost_usd: costUsd,
        provider: answeredBy?.provider ?? 'unknown',
        model: answeredBy?.model ?? 'balanced',
        completed_at: now.toISOString(),
      },
      metadata: meta,
    });
  }
  outcome.push({
    type: 'UsageRecorded',
    data: {
      user: spec.user,
      feature,
      source,
      provider: answeredBy?.provider ?? calls[calls.length - 1]?.provider ?? null,
      model: answeredBy?.model ?? calls[calls.length - 1]?.model ?? null,
      usage,
      cost_usd: costUsd,
      messages: spec.failure ? 1 : 2,
      outcome: spec.failure ? 'failed' : 'completed',
      day: spec.day ?? now.toISOString().slice(0, 10),
    },
    metadata: meta,
  });
  await store.append(turnStream(responseId), outcome, { expectedVersion: requested.length });
  return { responseId, requestId, traceId, costUsd, inputTokens, outputTokens };
}
