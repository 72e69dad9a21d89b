import { z } from 'zod';
import { registerEvents, type DomainEvent } from '@genaug/event-store';
import { streamStepSchema } from '@genaug/responses';

// The events of one turn's stream `turn-{response id}`. Personal content (input, instructions,
// output, function arguments) is sealed for the turn's user: the fields ending in `_sealed`
// hold `sealed:v1:…` strings that read as the erased marker once the user is erased.
// Envelope metadata carries project_id, user, correlation_id (request id), trace_id, actor.

const sealed = z.string().startsWith('sealed:v1:');

export const tokenUsageSchema = z.object({
  input_tokens: z.number().int().min(0),
  output_tokens: z.number().int().min(0),
  cached_tokens: z.number().int().min(0).default(0),
  reasoning_tokens: z.number().int().min(0).default(0),
});
export type TokenUsage = z.infer<typeof tokenUsageSchema>;

export const turnErrorSchema = z.object({ code: z.string(), message: z.string(), type: z.string() });

export const turnPurposeSchema = z.enum(['answer', 'compaction']);
export type TurnPurpose = z.infer<typeof turnPurposeSchema>;

const turnRequested = z.object({
  response_id: z.string(),
  /** The tier or model name the client asked for. */
  model: z.string(),
  /** Request parameters without personal content (tools, tool_choice, text, sampling, flags). */
  request: z.record(z.string(), z.unknown()),
  /** The whole conversation the model sees: history (previous response / conversation) + this input, as JSON. */
  context_sealed: sealed,
  /** This request's own input items, as JSON. */
  input_sealed: sealed,
  instructions_sealed: sealed.nullable(),
  user: z.string(),
  anonymous_user: z.boolean(),
  key_id: z.string(),
  request_id: z.string(),
  trace_id: z.string(),
  idempotency_key: z.string().nullable(),
  previous_response_id: z.string().nullable(),
  conversation_id: z.string().nullable(),
  background: z.boolean(),
  stream: z.boolean(),
  store: z.boolean(),
  /** `metadata.feature` and `metadata.source`, for usage and trace filters. */
  feature: z.string().nullable(),
  source: z.string(),
  metadata: z.record(z.string(), z.string()),
  user_agent: z.string().nullable(),
  traceparent: z.string().nullable(),
  /** Memory ids given to the model as context (memory slice). */
  memory_ids: z.array(z.string()).default([]),
  /**
   * When the request arrived (ISO): the response's `created_at`, as its first answer gave it.
   * Turns recorded without it take their first event's time.
   */
  created_at: z.string().optional(),
  /** What the turn is for: the next answer of the conversation, or its summary (POST /v1/responses/compact). */
  purpose: turnPurposeSchema.default('answer'),
});

// `runner`: the process runner (RunnerHeartbeat) running this attempt; absent in turns recorded before runners had ids.
const turnStarted = z.object({ attempt: z.number().int().min(1), runner: z.string().optional() });

const modelCalled = z.object({
  call_id: z.string(),
  provider: z.string(),
  model: z.string(),
  started_at: z.string(),
  latency_ms: z.number().min(0),
  outcome: z.enum(['ok', 'error', 'timeout']),
  error: z.string().nullable(),
  usage: tokenUsageSchema.nullable(),
  /** The call was cut off mid-answer and its usage is estimated from what it had produced. */
  usage_estimated: z.boolean().optional(),
  cost_usd: z.number().min(0),
  /** Why this call was made: the answer, a structured-output repair, or a compaction's summary. */
  purpose: z.enum(['answer', 'repair', 'compaction']).default('answer'),
});

const functionCallRequested = z.object({
  item_id: z.string(),
  call_id: z.string(),
  name: z.string(),
  arguments_sealed: sealed,
});

const turnCompleted = z.object({
  status: z.enum(['completed', 'incomplete']),
  incomplete_reason: z.string().nullable(),
  /** Output items (messages, function calls) as JSON. */
  output_sealed: sealed,
  usage: tokenUsageSchema,
  cost_usd: z.number().min(0),
  provider: z.string(),
  model: z.string(),
  completed_at: z.string(),
  /** How a background response's output streamed, so a resumed stream numbers its events alike. */
  stream_steps: z.array(streamStepSchema).optional(),
});

const turnFailed = z.object({
  error: turnErrorSchema,
  /** HTTP status the request was answered with. */
  status_code: z.number().int(),
  usage: tokenUsageSchema,
  cost_usd: z.number().min(0),
  failed_at: z.string(),
});

const usageRecorded = z.object({
  user: z.string(),
  feature: z.string().nullable(),
  source: z.string(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  usage: tokenUsageSchema,
  cost_usd: z.number().min(0),
  /** Messages in the turn: the input messages plus the output message, if any. */
  messages: z.number().int().min(0),
  /** `cancelled`: what the turn had cost when POST /v1/responses/{id}/cancel stopped it. */
  outcome: z.enum(['completed', 'incomplete', 'failed', 'cancelled']),
  /** The project's day (its time zone) the turn counts towards, YYYY-MM-DD. */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});

// POST /v1/responses/{id}/cancel of a queued or running background turn; it ends the turn.
// Its runner then records only what it had spent (ModelCalled, UsageRecorded), never an answer.
const turnCancelled = z.object({ cancelled_at: z.string(), key_id: z.string().nullable() });

// DELETE /v1/responses/{id} of an ended response: the API answers it as not found from then on.
// Its events stay in the history, its content sealed for its user until that user is erased.
const responseDeleted = z.object({ deleted_at: z.string(), key_id: z.string().nullable() });

registerEvents({
  TurnRequested: turnRequested,
  TurnStarted: turnStarted,
  ModelCalled: modelCalled,
  FunctionCallRequested: functionCallRequested,
  TurnCompleted: turnCompleted,
  TurnFailed: turnFailed,
  UsageRecorded: usageRecorded,
  TurnCancelled: turnCancelled,
  ResponseDeleted: responseDeleted,
});

export type TurnRequestedData = z.infer<typeof turnRequested>;
export type ModelCalledData = z.infer<typeof modelCalled>;
export type FunctionCallRequestedData = z.infer<typeof functionCallRequested>;
export type TurnCompletedData = z.infer<typeof turnCompleted>;
export type TurnFailedData = z.infer<typeof turnFailed>;
export type UsageRecordedData = z.infer<typeof usageRecorded>;
export type TurnCancelledData = z.infer<typeof turnCancelled>;

export type TurnEvent =
  | DomainEvent<'TurnRequested', TurnRequestedData>
  | DomainEvent<'TurnStarted', z.infer<typeof turnStarted>>
  | DomainEvent<'ModelCalled', ModelCalledData>
  | DomainEvent<'FunctionCallRequested', FunctionCallRequestedData>
  | DomainEvent<'TurnCompleted', TurnCompletedData>
  | DomainEvent<'TurnFailed', TurnFailedData>
  | DomainEvent<'UsageRecorded', UsageRecordedData>
  | DomainEvent<'TurnCancelled', TurnCancelledData>
  | DomainEvent<'ResponseDeleted', z.infer<typeof responseDeleted>>;

export const TURN_EVENT_TYPES = ['TurnRequested', 'TurnStarted', 'ModelCalled', 'FunctionCallRequested', 'TurnCompleted', 'TurnFailed', 'UsageRecorded', 'TurnCancelled', 'ResponseDeleted'] as const;

export const turnStream = (responseId: string) => `turn-${responseId}`;

/** The subject a turn's personal data is sealed for; turns without `user` belong to the project's anonymous user. */
export const ANONYMOUS_USER = '__anonymous__';
