import type { PoolClient } from 'pg';
import type { Projection, StoredEvent } from '@genaug/event-store';
import { toolCallAuditRows } from './tool-call-audit.rows';

/**
 * The index of a project's event history: which events belong to which project, with the
 * fields auditors filter on that the log itself has no index for (type, actor, time; the log
 * already finds a stream's events). Event data is not copied: the reader takes it from the log
 * and redacts it there, so this table holds no personal data and a policy change needs no rebuild.
 * The same pass fills the tool-call audit rows.
 */
export const auditLogProjection: Projection = {
  name: 'audit-log',
  types: undefined,
  tables: ['genaug_audit_log', ...toolCallAuditRows.tables],
  async setup(client: PoolClient) {
    await client.query(`
      create table if not exists genaug_audit_log (
        global_position bigint primary key,
        project_id text not null,
        type text not null,
        actor text,
        recorded_at timestamptz not null
      );
      create index if not exists genaug_audit_log_project on genaug_audit_log (project_id, global_position);
      create index if not exists genaug_audit_log_type on genaug_audit_log (project_id, type, global_position);
      create index if not exists genaug_audit_log_actor on genaug_audit_log (project_id, actor, global_position);`);
    await toolCallAuditRows.setup(client);
  },
  async apply(events: StoredEvent[], client: PoolClient) {
    // Copied inside the database from the log rows just read: one statement per batch, and
    // nothing but positions sent over the wire.
    await client.query(
      `insert into genaug_audit_log (global_position, project_id, type, actor, recorded_at)
       select global_position, owner, type, metadata->>'actor', recorded_at
       from (select e.*, coalesce(e.project_id, e.metadata->>'project_id') as owner from genaug_events e
             where e.global_position = any($1::bigint[])) e
       where owner is not null`,
      [events.map((e) => e.globalPosition)],
    );
    await toolCallAuditRows.apply(events, client);
  },
};
