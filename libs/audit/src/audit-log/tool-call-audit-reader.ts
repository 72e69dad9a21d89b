import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL, Sealer } from '@genaug/event-store';
import { badRequest } from '@genaug/kernel';
import { Conditions, listPage, type ListPage } from '../list-page';
import { inputSummary } from './input-summary';

export interface ToolCallAuditRow {
  object: 'audit.tool_call';
  tool_call_id: string;
  response_id: string | null;
  user: string | null;
  tool_id: string | null;
  risk_level: string | null;
  approval: string | null;
  approval_id: string | null;
  outcome: string | null;
  error: string | null;
  input_summary: string | null;
  requested_at: string;
  updated_at: string;
}

export interface ToolCallFilters {
  tool_id?: string;
  outcome?: string;
  approval?: string;
  limit: number;
  after?: string;
}

/** Tool-call audit rows, newest first, with sealed inputs summarised and redacted on the way out. */
@Injectable()
export class ToolCallAuditReader {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly sealer: Sealer,
  ) {}

  async list(projectId: string, f: ToolCallFilters): Promise<ListPage<ToolCallAuditRow>> {
    const where = new Conditions().add('project_id = ?', projectId);
    if (f.tool_id) where.add('tool_id = ?', f.tool_id);
    if (f.outcome) where.add('outcome = ?', f.outcome);
    if (f.approval) where.add('approval = ?', f.approval);
    if (f.after) {
      const known = await this.pool.query('select 1 from genaug_tool_call_audit where project_id = $1 and tool_call_id = $2', [projectId, f.after]);
      if (!known.rowCount) throw badRequest('after', 'Unknown cursor: pass the next_cursor of a previous page', 'invalid_cursor');
      where.add('(requested_at, tool_call_id) < (select c.requested_at, c.tool_call_id from genaug_tool_call_audit c where c.tool_call_id = ?)', f.after);
    }
    const res = await this.pool.query(
      `select * from genaug_tool_call_audit where ${where.sql} order by requested_at desc, tool_call_id desc limit ${where.param(f.limit + 1)}`,
      where.params,
    );
    const page = listPage(res.rows, f.limit, (r) => r, (r) => r.tool_call_id);
    return { ...page, data: await Promise.all(page.data.map((r) => this.view(r))) };
  }

  private async view(r: any): Promise<ToolCallAuditRow> {
    const summary = r.input_sealed ? inputSummary(await this.sealer.unsealJson(r.input_sealed)) : r.input_summary;
    return {
      object: 'audit.tool_call',
      tool_call_id: r.tool_call_id,
      response_id: r.response_id,
      user: r.user_id,
      tool_id: r.tool_id,
      risk_level: r.risk_level,
      approval: r.approval,
      approval_id: r.approval_id,
      outcome: r.outcome,
      error: r.error,
      input_summary: summary,
      requested_at: r.requested_at.toISOString(),
      updated_at: r.updated_at.toISOString(),
    };
  }
}
