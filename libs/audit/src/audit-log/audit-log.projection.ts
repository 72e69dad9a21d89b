import type { PoolClient } from 'pg';
import type { Projection, StoredEvent } from '@genaug/event-store';

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
    // The envelope fields are copied inside the database from the log rows just read: one
    // statement per batch, nothing but positions sent over the wire.
    await client.query(
      `insert into genaug_audit_log (global_position, project_id, stream_id, stream_version, type, actor, correlation_id, causation_id, recorded_at)
       select global_position, owner, stream_id, stream_version, type, metadata->>'actor', metadata->>'correlation_id',
         metadata->>'causation_id', recorded_at
       from (select e.*, coalesce(e.project_id, e.metadata->>'project_id') as owner from genaug_events e
             where e.global_position = any($1::bigint[])) e
       where owner is not null`,
      [events.map((e) => e.globalPosition)],
    );
  },
};
