import { responseOutputText } from '@genaug/responses';

/** What a trace list shows for one turn: no personal content. */
export interface TraceSummary {
  object: 'trace';
  trace_id: string;
  response_id: string;
  request_id: string;
  status: string;
  user: string;
  key_id: string | null;
  idempotency_key: string | null;
  feature: string | null;
  source: string | null;
  metadata: Record<string, string>;
  requested_model: string;
  provider: string | null;
  model: string | null;
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
  usage: { input_tokens: number; output_tokens: number; cached_tokens: number; reasoning_tokens: number; total_tokens: number };
  cost_usd: number;
  error: unknown;
  incomplete_reason: string | null;
  counts: { model_calls: number; model_errors: number; function_calls: number; attempts: number };
}

export interface TraceSpan {
  kind: string;
  name: string;
  status: string | null;
  started_at: string;
  duration_ms: number | null;
  position: number;
  attributes: Record<string, unknown>;
}

/** One turn in full, for an authorised reader: input and output text unsealed. */
export interface TraceDetail extends TraceSummary {
  previous_response_id: string | null;
  conversation_id: string | null;
  stream: boolean;
  background: boolean;
  user_agent: string | null;
  traceparent: string | null;
  input: { text: string; items: unknown };
  instructions: string | null;
  output: { text: string; items: unknown } | null;
  spans: TraceSpan[];
}

export function traceSummary(r: any): TraceSummary {
  const input = Number(r.input_tokens);
  const output = Number(r.output_tokens);
  return {
    object: 'trace',
    trace_id: r.trace_id,
    response_id: r.response_id,
    request_id: r.request_id,
    status: r.status,
    user: r.user_id,
    key_id: r.key_id,
    idempotency_key: r.idempotency_key,
    feature: r.feature,
    source: r.source,
    metadata: r.metadata,
    requested_model: r.requested_model,
    provider: r.provider,
    model: r.model,
    started_at: r.started_at.toISOString(),
    ended_at: r.ended_at ? r.ended_at.toISOString() : null,
    duration_ms: r.ended_at ? r.ended_at.getTime() - r.started_at.getTime() : null,
    usage: {
      input_tokens: input,
      output_tokens: output,
      cached_tokens: Number(r.cached_tokens),
      reasoning_tokens: Number(r.reasoning_tokens),
      total_tokens: input + output,
    },
    cost_usd: Number(r.cost_usd),
    error: r.error,
    incomplete_reason: r.incomplete_reason,
    counts: { model_calls: r.model_calls, model_errors: r.model_errors, function_calls: r.function_calls, attempts: r.attempts },
  };
}

/** The text of input items: every message's text parts, one message per line. */
export function inputText(items: unknown): string {
  if (typeof items === 'string') return items;
  if (!Array.isArray(items)) return '';
  const lines: string[] = [];
  for (const item of items) {
    if (!item || typeof item !== 'object' || ((item as any).type !== 'message' && !('role' in item))) continue;
    const content = (item as any).content;
    if (typeof content === 'string') lines.push(content);
    else if (Array.isArray(content)) lines.push(content.map((p: any) => (typeof p?.text === 'string' ? p.text : '')).join(''));
  }
  return lines.join('\n');
}

/** The assistant's text of output items, as clients read it (`output_text`). */
export const outputText = (items: unknown): string => (Array.isArray(items) ? responseOutputText({ output: items }) : '');
