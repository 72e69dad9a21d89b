import type { PoolClient } from 'pg';
import type { Projection, StoredEvent } from '@genaug/event-store';
import { projectIdOf } from '../event-project';

/**
 * The index of a project's event history: every event of every type, with the envelope
 * fields auditors filter on. Event data is not copied: the reader takes it from the log and
 * redacts it there, so this table holds no personal data and a policy change needs no rebuild.
 */
export const auditLogProjection: Projection = {
  name: 'audit-log',
  types: undefined,
  tables: ['genaug_audit_log'],
  async setup(client: PoolClient) {
    await client.query(`
      create table if not exists genaug_audit_log (
        global_position bigint primary key,
        project_id text not null,
        stream_id text not null,
        stream_version bigint not null,
        type text not null,
        actor text,
        correlation_id text,
        causation_id text,
        recorded_at timestamptz not null
      );
      create index if not exists genaug_audit_log_project on genaug_audit_log (project_id, global_position);
      create index if not exists genaug_audit_log_stream on genaug_audit_log (project_id, stream_id, global_position);
      create index if not exists genaug_audit_log_type on genaug_audit_log (project_id, type, global_position);
      create index if not exists genaug_audit_log_actor on genaug_audit_log (project_id, actor, global_position);`);
  },
  async apply(events: StoredEvent[], client: PoolClient) {
    const cols = { pos: [] as number[], project: [] as string[], stream: [] as string[], version: [] as number[], type: [] as string[] };
    const meta = { actor: [] as (string | null)[], correlation: [] as (string | null)[], causation: [] as (string | null)[], at: [] as Date[] };
    for (const e of events) {
      const projectId = projectIdOf(e);
      if (!projectId) continue;
      cols.pos.push(e.globalPosition);
      cols.project.push(projectId);
      cols.stream.push(e.streamId);
      cols.version.push(e.streamVersion);
      cols.type.push(e.type);
      meta.actor.push(e.metadata?.actor ?? null);
      meta.correlation.push(e.metadata?.correlation_id ?? null);
      meta.causation.push(e.metadata?.causation_id ?? null);
      meta.at.push(e.recordedAt);
    }
    if (!cols.pos.length) return;
    await client.query(
      `insert into genaug_audit_log (global_position, project_id, stream_id, stream_version, type, actor, correlation_id, causation_id, recorded_at)
       select * from unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])`,
      [cols.pos, cols.project, cols.stream, cols.version, cols.type, meta.actor, meta.correlation, meta.causation, meta.at],
    );
  },
};
