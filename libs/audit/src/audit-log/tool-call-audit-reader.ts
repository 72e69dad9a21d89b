import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL, Sealer } from '@genaug/event-store';
import { Conditions, listPage, newestFirst, type ListPage } from '../list-page';
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
    const rows = await newestFirst(this.pool, {
      table: 'genaug_tool_call_audit',
      time: 'requested_at',
      id: 'tool_call_id',
      projectId,
      where,
      after: f.after,
      limit: f.limit,
    });
    const page = listPage(rows, f.limit, (r) => r, (r) => r.tool_call_id);
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
