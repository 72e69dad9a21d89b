import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { ERASED, PG_POOL, Sealer } from '@genaug/event-store';
import { badRequest } from '@genaug/kernel';
import { listPage, type ListPage } from '../list-page';
import { inputText, outputText, traceSummary, type TraceDetail, type TraceSpan, type TraceSummary } from './trace-views';

export interface TraceFilters {
  user?: string;
  feature?: string;
  source?: string;
  status?: string;
  from?: Date;
  to?: Date;
  limit: number;
  after?: string;
}

/** Queries over the traces read model; sealed content is opened here, at read time. */
@Injectable()
export class TraceReader {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly sealer: Sealer,
  ) {}

  /** Newest first; the cursor is the last response id of the previous page. */
  async list(projectId: string, f: TraceFilters): Promise<ListPage<TraceSummary>> {
    const params: unknown[] = [projectId];
    const where = ['project_id = $1'];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.user) add('user_id = ?', f.user);
    if (f.feature) add('feature = ?', f.feature);
    if (f.source) add('source = ?', f.source);
    if (f.status) add('status = ?', f.status);
    if (f.from) add('started_at >= ?', f.from);
    if (f.to) add('started_at < ?', f.to);
    if (f.after) {
      const known = await this.pool.query('select 1 from genaug_traces where project_id = $1 and response_id = $2', [projectId, f.after]);
      if (!known.rowCount) throw badRequest('after', 'Unknown cursor: pass the next_cursor of a previous page', 'invalid_cursor');
      // Compared in SQL: timestamps keep their microseconds there.
      add('(started_at, response_id) < (select c.started_at, c.response_id from genaug_traces c where c.response_id = ?)', f.after);
    }
    params.push(f.limit + 1);
    const res = await this.pool.query(
      `select * from genaug_traces where ${where.join(' and ')} order by started_at desc, response_id desc limit $${params.length}`,
      params,
    );
    return listPage(res.rows, f.limit, traceSummary, (r) => r.response_id);
  }

  /** By response id, trace id or request id; the latest turn when several share a trace. */
  async find(projectId: string, id: string): Promise<TraceDetail | null> {
    const res = await this.pool.query(
      `select * from genaug_traces where project_id = $1 and (response_id = $2 or trace_id = $2 or request_id = $2)
       order by (response_id = $2) desc, started_at desc limit 1`,
      [projectId, id],
    );
    if (!res.rowCount) return null;
    const r = res.rows[0];
    const spans = await this.pool.query(
      // The request opens the trace: a model call stamped in the same millisecond still sorts after it.
      `select * from genaug_trace_spans where response_id = $1 and project_id = $2
       order by kind <> 'request', started_at, global_position`,
      [r.response_id, projectId],
    );
    const inputItems = r.input_sealed ? await this.sealer.unsealJson(r.input_sealed) : null;
    const outputItems = r.output_sealed ? await this.sealer.unsealJson(r.output_sealed) : null;
    return {
      ...traceSummary(r),
      previous_response_id: r.previous_response_id,
      conversation_id: r.conversation_id,
      stream: r.stream,
      background: r.background,
      user_agent: r.user_agent,
      traceparent: r.traceparent,
      input: inputItems === ERASED ? { text: ERASED, items: ERASED } : { text: inputText(inputItems), items: inputItems },
      instructions: r.instructions_sealed ? await this.sealer.unseal(r.instructions_sealed) : null,
      output:
        outputItems === null ? null : outputItems === ERASED ? { text: ERASED, items: ERASED } : { text: outputText(outputItems), items: outputItems },
      spans: await Promise.all(spans.rows.map((s) => this.span(s))),
    };
  }

  private async span(s: any): Promise<TraceSpan> {
    const attributes: Record<string, unknown> = { ...s.attributes };
    // The request and completion spans carry the same sealed text as the trace itself.
    if (s.kind !== 'request' && s.kind !== 'completion') {
      for (const [name, value] of Object.entries<string | null>(s.sealed ?? {})) {
        if (value) attributes[name] = await this.sealer.unseal(value);
      }
    }
    return {
      kind: s.kind,
      name: s.name,
      status: s.status,
      started_at: s.started_at.toISOString(),
      duration_ms: s.duration_ms,
      position: Number(s.global_position),
      attributes,
    };
  }
}
