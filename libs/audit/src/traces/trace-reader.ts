import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { ERASED, PG_POOL, Sealer, toStoredEvent, type StoredEvent } from '@genaug/event-store';
import { Conditions, listPage, newestFirst, type ListPage } from '../list-page';
import { inTimeOrder, spanOf, type SpanDraft } from './trace-spans';
import { inputText, outputText, traceSummary, type TraceDetail, type TraceSpan, type TraceSummary } from './trace-views';
import { turnStreamPrefix } from './traces.projection';

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
    const where = new Conditions().add('project_id = ?', projectId);
    if (f.user) where.add('user_id = ?', f.user);
    if (f.feature) where.add('feature = ?', f.feature);
    if (f.source) where.add('source = ?', f.source);
    if (f.status) where.add('status = ?', f.status);
    if (f.from) where.add('started_at >= ?', f.from);
    if (f.to) where.add('started_at < ?', f.to);
    const rows = await newestFirst(this.pool, { table: 'genaug_traces', time: 'started_at', id: 'response_id', projectId, where, after: f.after, limit: f.limit });
    return listPage(rows, f.limit, traceSummary, (r) => r.response_id);
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
    const events = await this.events(r.response_id);
    const requested = events.find((e) => e.type === 'TurnRequested');
    const completed = events.find((e) => e.type === 'TurnCompleted');
    const inputItems = requested ? await this.sealer.unsealJson(requested.data.input_sealed) : null;
    const outputItems = completed ? await this.sealer.unsealJson(completed.data.output_sealed) : null;
    const instructions = requested?.data.instructions_sealed;
    const spans = inTimeOrder(events.map(spanOf).filter((s): s is SpanDraft => s !== null));
    return {
      ...traceSummary(r),
      previous_response_id: r.previous_response_id,
      conversation_id: r.conversation_id,
      stream: r.stream,
      background: r.background,
      user_agent: r.user_agent,
      traceparent: r.traceparent,
      input: inputItems === ERASED ? { text: ERASED, items: ERASED } : { text: inputText(inputItems), items: inputItems },
      instructions: instructions ? await this.sealer.unseal(instructions) : null,
      output:
        outputItems === null ? null : outputItems === ERASED ? { text: ERASED, items: ERASED } : { text: outputText(outputItems), items: outputItems },
      spans: await Promise.all(spans.map((s) => this.open(s))),
    };
  }

  /** The turn's own events and those of other streams linked to it, from the log. */
  private async events(responseId: string): Promise<StoredEvent[]> {
    const res = await this.pool.query(
      `select ${EVENT_COLUMNS} from genaug_events e where e.stream_id = $1
       union all
       select ${EVENT_COLUMNS} from genaug_trace_links l join genaug_events e on e.global_position = l.global_position
       where l.response_id = $2`,
      [`${turnStreamPrefix}${responseId}`, responseId],
    );
    return res.rows.map(toStoredEvent);
  }

  /** A span with its sealed attributes opened (or the erased marker). */
  private async open({ sealed, ...span }: SpanDraft): Promise<TraceSpan> {
    const attributes = { ...span.attributes };
    for (const [name, value] of Object.entries(sealed)) attributes[name] = await this.sealer.unseal(value);
    return { ...span, attributes };
  }
}

const EVENT_COLUMNS = `e.global_position, e.transaction_id::text as transaction_id, e.stream_id, e.stream_version, e.event_id,
  e.type, e.schema_version, e.data, e.metadata, e.project_id, e.recorded_at, encode(e.hash, 'hex') as hash`;
