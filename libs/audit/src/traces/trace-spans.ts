import { isSealed, type StoredEvent } from '@genaug/event-store';
import { spanKindOf } from './span-kinds';
import type { TraceSpan } from './trace-views';

/** A span as the log gives it: sealed fields are opened by the reader, for authorised readers only. */
export interface SpanDraft extends TraceSpan {
  /** Attribute name → sealed value. */
  sealed: Record<string, string>;
}

/**
 * The span one event of a turn stands for: the request, each model call, each function call,
 * the completion or failure, and events of other streams naming the turn (approvals, tool
 * calls). Other events of the stream (usage, start of an attempt) are not spans.
 */
export function spanOf(e: StoredEvent): SpanDraft | null {
  const d = e.data ?? {};
  const base = { started_at: e.recordedAt.toISOString(), duration_ms: null, position: e.globalPosition, sealed: {} };
  switch (e.type) {
    case 'TurnRequested':
      return {
        ...base,
        kind: 'request',
        name: 'request',
        status: 'ok',
        attributes: {
          model: d.model,
          stream: d.stream,
          background: d.background,
          store: d.store,
          previous_response_id: d.previous_response_id,
          conversation_id: d.conversation_id,
          memory_ids: d.memory_ids ?? [],
          tools: Array.isArray(d.request?.tools) ? d.request.tools.map((t: any) => t?.name ?? t?.type) : [],
        },
      };
    case 'ModelCalled':
      return {
        ...base,
        kind: 'model_call',
        name: `${d.provider}/${d.model}`,
        status: d.outcome,
        started_at: d.started_at,
        duration_ms: d.latency_ms,
        attributes: {
          call_id: d.call_id,
          provider: d.provider,
          model: d.model,
          purpose: d.purpose,
          latency_ms: d.latency_ms,
          usage: d.usage,
          cost_usd: d.cost_usd,
          error: d.error,
        },
      };
    case 'FunctionCallRequested':
      return {
        ...base,
        kind: 'function_call',
        name: d.name,
        status: 'requested',
        attributes: { item_id: d.item_id, call_id: d.call_id, name: d.name },
        sealed: { arguments: d.arguments_sealed },
      };
    case 'TurnCompleted':
      return {
        ...base,
        kind: 'completion',
        name: d.status,
        status: d.status,
        attributes: { incomplete_reason: d.incomplete_reason, provider: d.provider, model: d.model, usage: d.usage, cost_usd: d.cost_usd },
      };
    case 'TurnFailed':
      return {
        ...base,
        kind: 'completion',
        name: 'failed',
        status: 'failed',
        attributes: { error: d.error, status_code: d.status_code, usage: d.usage, cost_usd: d.cost_usd },
      };
    case 'TurnCancelled':
      return { ...base, kind: 'completion', name: 'cancelled', status: 'cancelled', attributes: { cancelled_at: d.cancelled_at, key_id: d.key_id } };
    default: {
      const kind = spanKindOf(e.type);
      if (!kind) return null;
      const attributes: Record<string, unknown> = {};
      const sealed: Record<string, string> = {};
      for (const [k, v] of Object.entries(d)) {
        if (isSealed(v)) sealed[k.replace(/_sealed$/, '')] = v;
        else attributes[k] = v;
      }
      return { ...base, kind, name: e.type, status: typeof d.status === 'string' ? d.status : null, attributes, sealed };
    }
  }
}

/** Spans in time order; the request opens the trace even when a model call is stamped in the same millisecond. */
export function inTimeOrder(spans: SpanDraft[]): SpanDraft[] {
  return [...spans].sort(
    (a, b) =>
      Number(b.kind === 'request') - Number(a.kind === 'request') ||
      Date.parse(a.started_at) - Date.parse(b.started_at) ||
      a.position - b.position,
  );
}
