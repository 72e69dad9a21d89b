import type { PoolClient } from 'pg';
import { isSealed, type Projection, type StoredEvent } from '@genaug/event-store';
import { projectIdOf } from '../event-project';
import { inputSummary } from './input-summary';

/**
 * PII-redacted tool-call audit rows, one per tool call. The contract for the events that fill
 * them: any event whose type starts with `ToolCall` (or `Approval`) and whose data names a
 * `tool_call_id` updates that call's row with whichever of these fields it carries —
 * `tool_id`, `risk_level`, `approval` (or, on approval events, `status`), `approval_id`,
 * `outcome`, `error`, `response_id`, and the input as `input_sealed` (kept sealed, summarised at
 * read time) or `input` (stored only as a redacted summary). Part of the audit log projection,
 * which reads every event anyway.
 */
export const toolCallAuditRows: Pick<Projection, 'tables' | 'setup' | 'apply'> = {
  tables: ['genaug_tool_call_audit'],
  async setup(client: PoolClient) {
    await client.query(`
      create table if not exists genaug_tool_call_audit (
        tool_call_id text primary key,
        project_id text not null,
        response_id text,
        user_id text,
        tool_id text,
        risk_level text,
        approval text,
        approval_id text,
        outcome text,
        error text,
        input_sealed text,
        input_summary text,
        requested_at timestamptz not null,
        updated_at timestamptz not null,
        last_position bigint not null
      );
      create index if not exists genaug_tool_call_audit_project on genaug_tool_call_audit (project_id, last_position);`);
  },
  async apply(events: StoredEvent[], client: PoolClient) {
    const rows = new Map<string, Record<string, unknown>>();
    for (const e of events) {
      const fromApproval = e.type.startsWith('Approval');
      if (!fromApproval && !e.type.startsWith('ToolCall')) continue;
      const d = e.data ?? {};
      const projectId = projectIdOf(e);
      if (!projectId || typeof d.tool_call_id !== 'string') continue;
      const text = (v: unknown) => (typeof v === 'string' ? v : null);
      const row: Record<string, unknown> = rows.get(d.tool_call_id) ?? { tool_call_id: d.tool_call_id, project_id: projectId, requested_at: e.recordedAt };
      const set = (field: string, value: unknown) => {
        if (value !== null && value !== undefined) row[field] = value;
      };
      set('response_id', text(d.response_id));
      set('user_id', text(e.metadata?.user));
      set('tool_id', text(d.tool_id));
      set('risk_level', text(d.risk_level));
      set('approval', text(fromApproval ? d.status : d.approval));
      set('approval_id', text(d.approval_id));
      set('outcome', text(d.outcome));
      set('error', typeof d.error === 'string' ? d.error : d.error ? JSON.stringify(d.error) : null);
      set('input_sealed', isSealed(d.input_sealed) ? d.input_sealed : null);
      set('input_summary', d.input !== undefined ? inputSummary(d.input) : null);
      row.updated_at = e.recordedAt;
      row.last_position = e.globalPosition;
      rows.set(d.tool_call_id, row);
    }
    if (!rows.size) return;
    await client.query(
      `insert into genaug_tool_call_audit as t (tool_call_id, project_id, response_id, user_id, tool_id, risk_level, approval,
         approval_id, outcome, error, input_sealed, input_summary, requested_at, updated_at, last_position)
       select tool_call_id, project_id, response_id, user_id, tool_id, risk_level, approval, approval_id, outcome, error,
         input_sealed, input_summary, requested_at, updated_at, last_position
       from jsonb_to_recordset($1::jsonb) as r(tool_call_id text, project_id text, response_id text, user_id text,
         tool_id text, risk_level text, approval text, approval_id text, outcome text, error text, input_sealed text,
         input_summary text, requested_at timestamptz, updated_at timestamptz, last_position bigint)
       on conflict (tool_call_id) do update set
         response_id = coalesce(excluded.response_id, t.response_id),
         user_id = coalesce(excluded.user_id, t.user_id),
         tool_id = coalesce(excluded.tool_id, t.tool_id),
         risk_level = coalesce(excluded.risk_level, t.risk_level),
         approval = coalesce(excluded.approval, t.approval),
         approval_id = coalesce(excluded.approval_id, t.approval_id),
         outcome = coalesce(excluded.outcome, t.outcome),
         error = coalesce(excluded.error, t.error),
         input_sealed = coalesce(excluded.input_sealed, t.input_sealed),
         input_summary = coalesce(excluded.input_summary, t.input_summary),
         updated_at = excluded.updated_at,
         last_position = excluded.last_position`,
      [JSON.stringify([...rows.values()])],
    );
  },
};
