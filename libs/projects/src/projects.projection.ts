import type { PoolClient } from 'pg';
import type { Projection, StoredEvent } from '@genaug/event-store';

/** Read model of projects and their API keys. */
export const projectsProjection: Projection = {
  name: 'projects',
  types: ['ProjectCreated', 'ProjectUpdated', 'ApiKeyIssued', 'ApiKeyRevoked'],
  tables: ['genaug_projects', 'genaug_api_keys'],
  // A new key or project is used at once by its creator.
  awaited: true,
  async setup(client: PoolClient) {
    await client.query(`
      create table if not exists genaug_projects (
        project_id text primary key,
        name text not null,
        slug text not null unique,
        settings jsonb not null,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );
      create table if not exists genaug_api_keys (
        key_id text primary key,
        project_id text not null,
        prefix text not null unique,
        hash text not null,
        scopes text[] not null,
        environment text not null,
        label text,
        created_at timestamptz not null,
        revoked_at timestamptz
      );
      create index if not exists genaug_api_keys_project on genaug_api_keys (project_id, created_at);`);
  },
  async apply(events: StoredEvent[], client: PoolClient) {
    for (const e of events) {
      const projectId = e.metadata.project_id!;
      switch (e.type) {
        case 'ProjectCreated':
          await client.query(
            `insert into genaug_projects (project_id, name, slug, settings, created_at, updated_at) values ($1, $2, $3, $4, $5, $5)`,
            [e.data.project_id, e.data.name, e.data.slug, e.data.settings, e.recordedAt],
          );
          break;
        case 'ProjectUpdated':
          await client.query(
            `update genaug_projects set name = coalesce($2, name), slug = coalesce($3, slug),
               settings = coalesce($4, settings), updated_at = $5 where project_id = $1`,
            [projectId, e.data.name ?? null, e.data.slug ?? null, e.data.settings ?? null, e.recordedAt],
          );
          break;
        case 'ApiKeyIssued':
          await client.query(
            `insert into genaug_api_keys (key_id, project_id, prefix, hash, scopes, environment, label, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [e.data.key_id, projectId, e.data.prefix, e.data.hash, e.data.scopes, e.data.environment, e.data.label, e.recordedAt],
          );
          break;
        case 'ApiKeyRevoked':
          await client.query(`update genaug_api_keys set revoked_at = $2 where key_id = $1`, [e.data.key_id, e.recordedAt]);
          break;
      }
    }
  },
};
