import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { AppError } from '@genaug/kernel';
import { PG_POOL } from '@genaug/event-store';
import type { ProjectSettings } from './project-settings';

export interface ProjectView {
  id: string;
  object: 'project';
  name: string;
  slug: string;
  settings: ProjectSettings;
  created_at: string;
  updated_at: string;
}

export interface ApiKeyView {
  id: string;
  object: 'api_key';
  project_id: string;
  prefix: string;
  scopes: string[];
  environment: string;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface KeyRecord {
  keyId: string;
  projectId: string;
  hash: string;
  scopes: string[];
  environment: string;
  revoked: boolean;
}

const toProject = (r: any): ProjectView => ({
  id: r.project_id,
  object: 'project',
  name: r.name,
  slug: r.slug,
  settings: r.settings,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});

const toKey = (r: any): ApiKeyView => ({
  id: r.key_id,
  object: 'api_key',
  project_id: r.project_id,
  prefix: r.prefix,
  scopes: r.scopes,
  environment: r.environment,
  label: r.label,
  created_at: r.created_at.toISOString(),
  revoked_at: r.revoked_at ? r.revoked_at.toISOString() : null,
});

// How long a project's settings are reused by the checks every request makes.
const SETTINGS_TTL_MS = 2000;

/** Queries over the projects read model. */
@Injectable()
export class ProjectDirectory {
  private readonly settingsCache = new Map<string, { settings: ProjectSettings; at: number }>();

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * A project's settings for what runs on every request (limits, turns), cached briefly: they are
   * read per request and change rarely. A 404 when the project does not exist.
   */
  async settings(projectId: string): Promise<ProjectSettings> {
    const hit = this.settingsCache.get(projectId);
    if (hit && Date.now() - hit.at < SETTINGS_TTL_MS) return hit.settings;
    const project = await this.find(projectId);
    if (!project) throw new AppError(404, 'not_found', 'Project not found');
    this.settingsCache.set(projectId, { settings: project.settings, at: Date.now() });
    return project.settings;
  }

  /** By id or slug. */
  async find(idOrSlug: string): Promise<ProjectView | null> {
    const res = await this.pool.query('select * from genaug_projects where project_id = $1 or slug = $1 limit 1', [idOrSlug]);
    return res.rowCount ? toProject(res.rows[0]) : null;
  }

  async list(options: { limit: number; after?: string; only?: string }): Promise<ProjectView[]> {
    const res = await this.pool.query(
      `select * from genaug_projects where ($1::text is null or project_id > $1) and ($2::text is null or project_id = $2)
       order by project_id limit $3`,
      [options.after ?? null, options.only ?? null, options.limit],
    );
    return res.rows.map(toProject);
  }

  async listKeys(projectId: string): Promise<ApiKeyView[]> {
    const res = await this.pool.query('select * from genaug_api_keys where project_id = $1 order by created_at, key_id', [projectId]);
    return res.rows.map(toKey);
  }

  async key(projectId: string, keyId: string): Promise<ApiKeyView | null> {
    const res = await this.pool.query('select * from genaug_api_keys where project_id = $1 and key_id = $2', [projectId, keyId]);
    return res.rowCount ? toKey(res.rows[0]) : null;
  }

  async keyByPrefix(prefix: string): Promise<KeyRecord | null> {
    const res = await this.pool.query('select * from genaug_api_keys where prefix = $1', [prefix]);
    if (!res.rowCount) return null;
    const r = res.rows[0];
    return { keyId: r.key_id, projectId: r.project_id, hash: r.hash, scopes: r.scopes, environment: r.environment, revoked: !!r.revoked_at };
  }
}
