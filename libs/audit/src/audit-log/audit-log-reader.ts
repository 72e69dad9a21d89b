import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL, verifyChain, type ChainVerification } from '@genaug/event-store';
import { badRequest } from '@genaug/kernel';
import { Conditions, listPage, type ListPage } from '../list-page';
import { redactValue } from '../redaction/redaction-policy';

/** One event of a project's history as an auditor sees it: envelope in full, data redacted. */
export interface AuditEntry {
  object: 'audit.entry';
  position: number;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  event_id: string;
  recorded_at: string;
  actor: string | null;
  correlation_id: string | null;
  causation_id: string | null;
  trace_id: string | null;
  user: string | null;
  /** The stream's hash chain link: sha256(previous hash ‖ canonical event), hex. */
  hash: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

export interface AuditFilters {
  stream?: string;
  type?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  limit: number;
  after?: string;
}

export function auditEntry(r: any): AuditEntry {
  // Envelope ids are the system's own (actor `api_key:key_…`, request and trace ids): only
  // the rest of the metadata, such as the app user id, goes through the policy.
  const { actor = null, correlation_id = null, causation_id = null, trace_id = null, project_id, ...rest } = r.metadata ?? {};
  const metadata: Record<string, any> = { ...redactValue<Record<string, any>>(rest), project_id, actor, correlation_id, causation_id, trace_id };
  return {
    object: 'audit.entry',
    position: Number(r.global_position),
    stream_id: r.stream_id,
    version: Number(r.stream_version),
    type: r.type,
    schema_version: r.schema_version,
    event_id: r.event_id,
    recorded_at: r.recorded_at.toISOString(),
    actor,
    correlation_id,
    causation_id,
    trace_id,
    user: metadata.user ?? null,
    hash: r.hash,
    data: redactValue(r.data),
    metadata,
  };
}

const EVENT_COLUMNS = `e.global_position, e.stream_id, e.stream_version, e.type, e.schema_version, e.event_id, e.recorded_at,
  e.data, e.metadata, encode(e.hash, 'hex') as hash`;

/** Queries over the audit index, with each event's data read from the log and redacted. */
@Injectable()
export class AuditLogReader {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** In log order; the cursor is the position of the last entry of the previous page. */
  async list(projectId: string, f: AuditFilters): Promise<ListPage<AuditEntry>> {
    const where = new Conditions().add('a.project_id = ?', projectId);
    // The log's own index finds a stream's events.
    if (f.stream) where.add('e.stream_id = ?', f.stream);
    if (f.type) where.add('a.type = ?', f.type);
    if (f.actor) where.add('a.actor = ?', f.actor);
    if (f.from) where.add('a.recorded_at >= ?', f.from);
    if (f.to) where.add('a.recorded_at < ?', f.to);
    if (f.after) {
      if (!/^\d{1,18}$/.test(f.after)) throw badRequest('after', 'Unknown cursor: pass the next_cursor of a previous page', 'invalid_cursor');
      where.add('a.global_position > ?', f.after);
    }
    const res = await this.pool.query(
      `select ${EVENT_COLUMNS} from genaug_audit_log a join genaug_events e on e.global_position = a.global_position
       where ${where.sql} order by a.global_position limit ${where.param(f.limit + 1)}`,
      where.params,
    );
    return listPage(res.rows, f.limit, auditEntry, (r) => String(r.global_position));
  }

  /** Every event of one stream of the project, in version order. */
  async stream(projectId: string, streamId: string): Promise<AuditEntry[]> {
    const res = await this.pool.query(
      `select ${EVENT_COLUMNS} from genaug_audit_log a join genaug_events e on e.global_position = a.global_position
       where a.project_id = $1 and e.stream_id = $2 order by e.stream_version`,
      [projectId, streamId],
    );
    return res.rows.map(auditEntry);
  }

  /** Recomputes the hash chain of every stream of the project (or one of its streams). */
  verify(projectId: string, streamId?: string): Promise<ChainVerification> {
    return verifyChain(this.pool, { projectId, streamId });
  }
}
