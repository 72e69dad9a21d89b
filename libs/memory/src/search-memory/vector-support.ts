import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@genaug/event-store';
import { ProjectDirectory } from '@genaug/projects';
import { memorySettingsOf } from '../memory-settings';

// Extensions are installed by an operator, rarely: look again after this long.
const EXTENSION_RECHECK_MS = 60_000;

/**
 * Why a search did not use vector similarity. Vector ranking needs both an embeddings endpoint
 * in the project's settings and the pgvector extension in the database; searches say which is
 * missing rather than implying a ranking they did not get.
 */
@Injectable()
export class VectorSupport {
  private pgvector: { installed: boolean; at: number } | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly projects: ProjectDirectory,
  ) {}

  async unavailableBecause(projectId: string): Promise<string> {
    if (!(await this.hasPgvector())) return 'the database has no pgvector extension';
    const project = await this.projects.find(projectId);
    if (!memorySettingsOf(project?.settings).embeddings) return 'the project configures no embeddings endpoint (settings.memory.embeddings)';
    return 'vector similarity is not part of this server version';
  }

  private async hasPgvector(): Promise<boolean> {
    if (this.pgvector && Date.now() - this.pgvector.at < EXTENSION_RECHECK_MS) return this.pgvector.installed;
    const res = await this.pool.query(`select exists (select 1 from pg_extension where extname = 'vector') as installed`);
    this.pgvector = { installed: res.rows[0].installed === true, at: Date.now() };
    return this.pgvector.installed;
  }
}
