import type { PoolClient } from 'pg';
import { isSealed, type Projection, type StoredEvent } from '@genaug/event-store';
import { projectIdOf } from '../event-project';
import { spanKindOf } from './span-kinds';

/**
 * One trace per turn with its spans. Personal content stays sealed here (the `*_sealed`
 * ciphertext is copied, never plaintext), so erasing a user needs no projection work: the
 * reader unseals at read time and gets the erased marker. Each batch is written with a few
 * set-based statements, whatever its size.
 */
export const tracesProjection: Projection = {
  name: 'traces',
  // Approvals and tool calls of future slices join a turn's trace through `data.response_id`.
  types: undefined,
  tables: ['genaug_traces', 'genaug_trace_spans'],
  async setup(client: PoolClient) {
    await client.query(`
      create table if not exists genaug_traces (
        response_id text primary key,
        project_id text not null,
        trace_id text not null,
        request_id text not null,
        user_id text not null,
        anonymous_user boolean not null,
        key_id text,
        idempotency_key text,
        feature text,
        source text,
        metadata jsonb not null,
        requested_model text not null,
        provider text,
        model text,
        status text not null,
        incomplete_reason text,
        error jsonb,
        status_code int,
        started_at timestamptz not null,
        ended_at timestamptz,
        attempts int not null default 0,
        model_calls int not null default 0,
        model_errors int not null default 0,
        function_calls int not null default 0,
        input_tokens bigint not null default 0,
        output_tokens bigint not null default 0,
        cached_tokens bigint not null default 0,
        reasoning_tokens bigint not null default 0,
        cost_usd numeric not null default 0,
        stream boolean not null,
        background boolean not null,
        previous_response_id text,
        conversation_id text,
        user_agent text,
        traceparent text,
        input_sealed text,
        instructions_sealed text,
        output_sealed text
      );
      create index if not exists genaug_traces_recent on genaug_traces (project_id, started_at desc, response_id desc);
      create index if not exists genaug_traces_trace on genaug_traces (project_id, trace_id);
      create index if not exists genaug_traces_request on genaug_traces (project_id, request_id);
      create index if not exists genaug_traces_user on genaug_traces (project_id, user_id, started_at desc);
      create table if not exists genaug_trace_spans (
        global_position bigint primary key,
        response_id text not null,
        project_id text not null,
        kind text not null,
        name text not null,
        status text,
        started_at timestamptz not null,
        duration_ms double precision,
        attributes jsonb not null,
        sealed jsonb
      );
      create index if not exists genaug_trace_spans_turn on genaug_trace_spans (response_id, started_at, global_position);`);
  },
  async apply(events: StoredEvent[], client: PoolClient) {
    const batch = new TraceBatch();
    for (const e of events) batch.add(e);
    await batch.write(client);
  },
};

interface TracePatch {
  response_id: string;
  status?: string;
  incomplete_reason?: string | null;
  error?: unknown;
  status_code?: number;
  ended_at?: string;
  provider?: string;
  model?: string;
  input_tokens?: number;
  output_tokens?: number;
  cached_tokens?: number;
  reasoning_tokens?: number;
  cost_usd?: number;
  output_sealed?: string;
  attempts?: number;
  model_calls: number;
  model_errors: number;
  function_calls: number;
}

const responseIdOfStream = (streamId: string): string | null => (streamId.startsWith('turn-') ? streamId.slice(5) : null);

/** What one batch of events changes, gathered first and written with one statement per table. */
class TraceBatch {
  private traces: Record<string, unknown>[] = [];
  private spans: Record<string, unknown>[] = [];
  private patches = new Map<string, TracePatch>();

  add(e: StoredEvent): void {
    const projectId = projectIdOf(e);
    if (!projectId) return;
    const d = e.data;
    const at = e.recordedAt.toISOString();
    const span = (kind: string, name: string, fields: Record<string, unknown>) =>
      this.spans.push({ global_position: e.globalPosition, project_id: projectId, kind, name, started_at: at, ...fields });
    switch (e.type) {
      case 'TurnRequested':
        this.traces.push({
          response_id: d.response_id,
          project_id: projectId,
          trace_id: d.trace_id,
          request_id: d.request_id,
          user_id: d.user,
          anonymous_user: d.anonymous_user,
          key_id: d.key_id,
          idempotency_key: d.idempotency_key,
          feature: d.feature,
          source: d.source,
          metadata: d.metadata ?? {},
          requested_model: d.model,
          status: 'in_progress',
          started_at: at,
          stream: d.stream,
          background: d.background,
          previous_response_id: d.previous_response_id,
          conversation_id: d.conversation_id,
          user_agent: d.user_agent,
          traceparent: d.traceparent,
          input_sealed: d.input_sealed,
          instructions_sealed: d.instructions_sealed,
        });
        span('request', 'request', {
          response_id: d.response_id,
          status: 'ok',
          attributes: {
            model: d.model,
            stream: d.stream,
            background: d.background,
            store: d.store,
            previous_response_id: d.previous_response_id,
            conversation_id: d.conversation_id,
            idempotency_key: d.idempotency_key,
            memory_ids: d.memory_ids ?? [],
            request: d.request ?? {},
          },
          sealed: { input: d.input_sealed, instructions: d.instructions_sealed },
        });
        return;
      case 'TurnStarted':
        this.patch(e).attempts = Math.max(this.patch(e).attempts ?? 0, d.attempt);
        return;
      case 'ModelCalled': {
        const p = this.patch(e);
        p.model_calls++;
        if (d.outcome !== 'ok') p.model_errors++;
        span('model_call', `${d.provider}/${d.model}`, {
          response_id: p.response_id,
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
        });
        return;
      }
      case 'FunctionCallRequested': {
        const p = this.patch(e);
        p.function_calls++;
        span('function_call', d.name, {
          response_id: p.response_id,
          status: 'requested',
          attributes: { item_id: d.item_id, call_id: d.call_id, name: d.name },
          sealed: { arguments: d.arguments_sealed },
        });
        return;
      }
      case 'TurnCompleted': {
        const p = this.patch(e);
        Object.assign(p, {
          status: d.status,
          incomplete_reason: d.incomplete_reason,
          ended_at: at,
          provider: d.provider,
          model: d.model,
          output_sealed: d.output_sealed,
          ...usageColumns(d.usage, d.cost_usd),
        });
        span('completion', d.status, {
          response_id: p.response_id,
          status: d.status,
          attributes: { incomplete_reason: d.incomplete_reason, provider: d.provider, model: d.model, usage: d.usage, cost_usd: d.cost_usd },
          sealed: { output: d.output_sealed },
        });
        return;
      }
      case 'TurnFailed': {
        const p = this.patch(e);
        Object.assign(p, { status: 'failed', error: d.error, status_code: d.status_code, ended_at: at, ...usageColumns(d.usage, d.cost_usd) });
        span('completion', 'failed', {
          response_id: p.response_id,
          status: 'failed',
          attributes: { error: d.error, status_code: d.status_code, usage: d.usage, cost_usd: d.cost_usd },
        });
        return;
      }
      default: {
        const kind = spanKindOf(e.type);
        const responseId = typeof d?.response_id === 'string' ? d.response_id : null;
        if (!kind || !responseId) return;
        const attributes: Record<string, unknown> = {};
        const sealed: Record<string, string> = {};
        for (const [k, v] of Object.entries(d ?? {})) {
          if (isSealed(v)) sealed[k.replace(/_sealed$/, '')] = v;
          else attributes[k] = v;
        }
        span(kind, e.type, { response_id: responseId, status: typeof d.status === 'string' ? d.status : null, attributes, sealed });
      }
    }
  }

  private patch(e: StoredEvent): TracePatch {
    const responseId = responseIdOfStream(e.streamId) ?? String(e.data?.response_id);
    let p = this.patches.get(responseId);
    if (!p) {
      p = { response_id: responseId, model_calls: 0, model_errors: 0, function_calls: 0 };
      this.patches.set(responseId, p);
    }
    return p;
  }

  async write(client: PoolClient): Promise<void> {
    if (this.traces.length) {
      await client.query(
        `insert into genaug_traces (response_id, project_id, trace_id, request_id, user_id, anonymous_user, key_id,
           idempotency_key, feature, source, metadata, requested_model, status, started_at, stream, background,
           previous_response_id, conversation_id, user_agent, traceparent, input_sealed, instructions_sealed)
         select response_id, project_id, trace_id, request_id, user_id, anonymous_user, key_id, idempotency_key,
           feature, source, metadata, requested_model, status, started_at, stream, background, previous_response_id,
           conversation_id, user_agent, traceparent, input_sealed, instructions_sealed
         from jsonb_to_recordset($1::jsonb) as t(response_id text, project_id text, trace_id text, request_id text,
           user_id text, anonymous_user boolean, key_id text, idempotency_key text, feature text, source text,
           metadata jsonb, requested_model text, status text, started_at timestamptz, stream boolean, background boolean,
           previous_response_id text, conversation_id text, user_agent text, traceparent text, input_sealed text,
           instructions_sealed text)
         on conflict (response_id) do nothing`,
        [JSON.stringify(this.traces)],
      );
    }
    if (this.spans.length) {
      await client.query(
        `insert into genaug_trace_spans (global_position, response_id, project_id, kind, name, status, started_at, duration_ms, attributes, sealed)
         select global_position, response_id, project_id, kind, name, status, started_at, duration_ms, coalesce(attributes, '{}'), sealed
         from jsonb_to_recordset($1::jsonb) as s(global_position bigint, response_id text, project_id text, kind text,
           name text, status text, started_at timestamptz, duration_ms double precision, attributes jsonb, sealed jsonb)`,
        [JSON.stringify(this.spans)],
      );
    }
    if (this.patches.size) {
      await client.query(
        `update genaug_traces t set
           status = coalesce(p.status, t.status),
           incomplete_reason = coalesce(p.incomplete_reason, t.incomplete_reason),
           error = coalesce(p.error, t.error),
           status_code = coalesce(p.status_code, t.status_code),
           ended_at = coalesce(p.ended_at, t.ended_at),
           provider = coalesce(p.provider, t.provider),
           model = coalesce(p.model, t.model),
           input_tokens = coalesce(p.input_tokens, t.input_tokens),
           output_tokens = coalesce(p.output_tokens, t.output_tokens),
           cached_tokens = coalesce(p.cached_tokens, t.cached_tokens),
           reasoning_tokens = coalesce(p.reasoning_tokens, t.reasoning_tokens),
           cost_usd = coalesce(p.cost_usd, t.cost_usd),
           output_sealed = coalesce(p.output_sealed, t.output_sealed),
           attempts = greatest(t.attempts, coalesce(p.attempts, 0)),
           model_calls = t.model_calls + p.model_calls,
           model_errors = t.model_errors + p.model_errors,
           function_calls = t.function_calls + p.function_calls
         from jsonb_to_recordset($1::jsonb) as p(response_id text, status text, incomplete_reason text, error jsonb,
           status_code int, ended_at timestamptz, provider text, model text, input_tokens bigint, output_tokens bigint,
           cached_tokens bigint, reasoning_tokens bigint, cost_usd numeric, output_sealed text, attempts int,
           model_calls int, model_errors int, function_calls int)
         where t.response_id = p.response_id`,
        [JSON.stringify([...this.patches.values()])],
      );
    }
  }
}

function usageColumns(usage: any, costUsd: number) {
  return {
    input_tokens: usage?.input_tokens ?? 0,
    output_tokens: usage?.output_tokens ?? 0,
    cached_tokens: usage?.cached_tokens ?? 0,
    reasoning_tokens: usage?.reasoning_tokens ?? 0,
    cost_usd: costUsd,
  };
}
