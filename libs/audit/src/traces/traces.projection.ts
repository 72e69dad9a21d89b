import type { PoolClient } from 'pg';
import type { Projection, StoredEvent } from '@genaug/event-store';
import { projectIdOf } from '../event-project';
import { spanKindOf } from './span-kinds';

/**
 * One row per turn, with what trace lists filter and sort on, plus an index of the events of
 * other streams (approvals, tool calls) that belong to a turn. A trace's spans and its sealed
 * text are read from the log when the trace is opened, so this read model holds no personal
 * content and erasing a user needs no projection work. Each batch is a few set-based statements.
 */
export const tracesProjection: Projection = {
  name: 'traces',
  // Events of future slices join a turn's trace through `data.response_id`.
  types: undefined,
  tables: ['genaug_traces', 'genaug_trace_links'],
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
        traceparent text
      -- A turn's row is written when it starts and updated when it ends: room left on each page
      -- lets that update stay on the page (a HOT update) instead of adding to all five indexes.
      ) with (fillfactor = 70);
      create index if not exists genaug_traces_recent on genaug_traces (project_id, started_at desc, response_id desc);
      create index if not exists genaug_traces_trace on genaug_traces (project_id, trace_id);
      create index if not exists genaug_traces_request on genaug_traces (project_id, request_id);
      create index if not exists genaug_traces_user on genaug_traces (project_id, user_id, started_at desc);
      create table if not exists genaug_trace_links (
        global_position bigint primary key,
        response_id text not null
      );
      create index if not exists genaug_trace_links_turn on genaug_trace_links (response_id, global_position);`);
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
  attempts?: number;
  model_calls: number;
  model_errors: number;
  function_calls: number;
}

export const turnStreamPrefix = 'turn-';

/** What one batch of events changes, gathered first and written with one statement per table. */
class TraceBatch {
  private traces = new Map<string, Record<string, unknown>>();
  private links: { pos: number[]; responseId: string[] } = { pos: [], responseId: [] };
  private patches = new Map<string, TracePatch>();

  add(e: StoredEvent): void {
    if (!e.streamId.startsWith(turnStreamPrefix)) {
      // Another stream's event that names a turn and shows in traces (an approval, a tool call).
      const responseId = e.data?.response_id;
      if (typeof responseId === 'string' && spanKindOf(e.type) && projectIdOf(e)) {
        this.links.pos.push(e.globalPosition);
        this.links.responseId.push(responseId);
      }
      return;
    }
    const d = e.data;
    switch (e.type) {
      case 'TurnRequested':
        this.traces.set(d.response_id, {
          response_id: d.response_id,
          project_id: projectIdOf(e),
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
          started_at: e.recordedAt.toISOString(),
          stream: d.stream,
          background: d.background,
          previous_response_id: d.previous_response_id,
          conversation_id: d.conversation_id,
          user_agent: d.user_agent,
          traceparent: d.traceparent,
          attempts: 0,
          model_calls: 0,
          model_errors: 0,
          function_calls: 0,
        });
        return;
      case 'TurnStarted': {
        const p = this.patch(e);
        p.attempts = Math.max(p.attempts ?? 0, d.attempt);
        return;
      }
      case 'ModelCalled': {
        const p = this.patch(e);
        p.model_calls++;
        if (d.outcome !== 'ok') p.model_errors++;
        return;
      }
      case 'FunctionCallRequested':
        this.patch(e).function_calls++;
        return;
      case 'TurnCompleted':
        Object.assign(this.patch(e), {
          status: d.status,
          incomplete_reason: d.incomplete_reason,
          ended_at: e.recordedAt.toISOString(),
          provider: d.provider,
          model: d.model,
          ...usageColumns(d.usage, d.cost_usd),
        });
        return;
      case 'TurnFailed':
        Object.assign(this.patch(e), {
          status: 'failed',
          error: d.error,
          status_code: d.status_code,
          ended_at: e.recordedAt.toISOString(),
          ...usageColumns(d.usage, d.cost_usd),
        });
        return;
      case 'TurnCancelled':
        Object.assign(this.patch(e), { status: 'cancelled', ended_at: e.recordedAt.toISOString() });
        return;
      case 'UsageRecorded':
        // A cancelled turn has no outcome event: what it had spent is recorded after it.
        if (d.outcome === 'cancelled') Object.assign(this.patch(e), { provider: d.provider, model: d.model, ...usageColumns(d.usage, d.cost_usd) });
    }
  }

  private patch(e: StoredEvent): TracePatch {
    const responseId = e.streamId.slice(turnStreamPrefix.length);
    let p = this.patches.get(responseId);
    if (!p) {
      p = { response_id: responseId, model_calls: 0, model_errors: 0, function_calls: 0 };
      this.patches.set(responseId, p);
    }
    return p;
  }

  async write(client: PoolClient): Promise<void> {
    // A turn requested in this batch is inserted as it stands at the end of the batch (the
    // common case in a rebuild); only turns begun in an earlier batch are updated.
    for (const [responseId, row] of this.traces) {
      const p = this.patches.get(responseId);
      if (!p) continue;
      this.patches.delete(responseId);
      const { model_calls, model_errors, function_calls, attempts, ...fields } = p;
      Object.assign(row, fields, {
        attempts: Math.max(Number(row.attempts), attempts ?? 0),
        model_calls: Number(row.model_calls) + model_calls,
        model_errors: Number(row.model_errors) + model_errors,
        function_calls: Number(row.function_calls) + function_calls,
      });
    }
    if (!this.traces.size && !this.links.pos.length && !this.patches.size) return;
    // One statement, so the batch holds its transaction open for as short a time as possible
    // (an open writing transaction holds back what every consumer may read). Its parts all see
    // the same snapshot: the update reaches only turns inserted by earlier batches, which is
    // why patches of turns inserted here were folded into their rows above. The updated ids come
    // again as an array the planner can size, so it finds each row by its key: joined only to the
    // patches (which it guesses at a hundred rows), it would read every trace in every batch.
    await client.query(
      `with inserted as (
         insert into genaug_traces (response_id, project_id, trace_id, request_id, user_id, anonymous_user, key_id,
           idempotency_key, feature, source, metadata, requested_model, status, started_at, stream, background,
           previous_response_id, conversation_id, user_agent, traceparent, attempts, model_calls, model_errors,
           function_calls, incomplete_reason, error, status_code, ended_at, provider, model, input_tokens, output_tokens,
           cached_tokens, reasoning_tokens, cost_usd)
         select response_id, project_id, trace_id, request_id, user_id, anonymous_user, key_id, idempotency_key, feature,
           source, metadata, requested_model, status, started_at, stream, background, previous_response_id,
           conversation_id, user_agent, traceparent, attempts, model_calls, model_errors, function_calls,
           incomplete_reason, error, status_code, ended_at, provider, model, coalesce(input_tokens, 0),
           coalesce(output_tokens, 0), coalesce(cached_tokens, 0), coalesce(reasoning_tokens, 0), coalesce(cost_usd, 0)
         from json_to_recordset($1::json) as t(response_id text, project_id text, trace_id text, request_id text,
           user_id text, anonymous_user boolean, key_id text, idempotency_key text, feature text, source text,
           metadata jsonb, requested_model text, status text, started_at timestamptz, stream boolean, background boolean,
           previous_response_id text, conversation_id text, user_agent text, traceparent text, attempts int,
           model_calls int, model_errors int, function_calls int, incomplete_reason text, error jsonb, status_code int,
           ended_at timestamptz, provider text, model text, input_tokens bigint, output_tokens bigint,
           cached_tokens bigint, reasoning_tokens bigint, cost_usd numeric)
       ), linked as (
         insert into genaug_trace_links (global_position, response_id) select * from unnest($2::bigint[], $3::text[])
       )
       update genaug_traces t set
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
         attempts = greatest(t.attempts, coalesce(p.attempts, 0)),
         model_calls = t.model_calls + p.model_calls,
         model_errors = t.model_errors + p.model_errors,
         function_calls = t.function_calls + p.function_calls
       from json_to_recordset($4::json) as p(response_id text, status text, incomplete_reason text, error jsonb,
         status_code int, ended_at timestamptz, provider text, model text, input_tokens bigint, output_tokens bigint,
         cached_tokens bigint, reasoning_tokens bigint, cost_usd numeric, attempts int, model_calls int,
         model_errors int, function_calls int)
       where t.response_id = p.response_id and t.response_id = any($5::text[])`,
      [
        JSON.stringify([...this.traces.values()]),
        this.links.pos,
        this.links.responseId,
        JSON.stringify([...this.patches.values()]),
        [...this.patches.keys()],
      ],
    );
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
