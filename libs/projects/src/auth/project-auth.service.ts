import { Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'crypto';
import { AppError, unauthorized } from '@genaug/kernel';
import { keyMatches, keyPrefixOf } from '../api-keys';
import { ProjectDirectory, type KeyRecord } from '../project-directory';
import type { Caller } from './caller';

export const ROOT_ADMIN_KEY = Symbol('ROOT_ADMIN_KEY');

// Keys are looked up on every request; a short cache keeps that off the database, and a
// revocation in this process drops the entry at once.
const CACHE_MS = 2000;

@Injectable()
export class ProjectAuth {
  private cache = new Map<string, { record: KeyRecord | null; at: number }>();

  constructor(
    private readonly directory: ProjectDirectory,
    @Inject(ROOT_ADMIN_KEY) private readonly rootKey: string,
  ) {}

  /** A project key from `Authorization: Bearer …` (or X-Admin-Key) with the scope needed. */
  async projectKey(raw: string | undefined, scope: 'responses' | 'admin'): Promise<Caller & { kind: 'project_key' }> {
    if (!raw) throw unauthorized('Missing API key: send Authorization: Bearer <project key>', 'missing_api_key');
    const prefix = keyPrefixOf(raw);
    const record = prefix ? await this.lookup(prefix) : null;
    if (!record || !keyMatches(raw, record.hash)) throw unauthorized('Invalid API key');
    if (record.revoked) throw unauthorized('This API key has been revoked', 'api_key_revoked');
    if (!record.scopes.includes(scope)) {
      throw new AppError(403, 'insufficient_scope', `This API key lacks the '${scope}' scope`);
    }
    return { kind: 'project_key', projectId: record.projectId, keyId: record.keyId, scopes: record.scopes, environment: record.environment };
  }

  /** X-Admin-Key: the root admin key, or a project key with the admin scope (its own project only). */
  async admin(raw: string | undefined): Promise<Caller> {
    if (!raw) throw unauthorized('Missing admin key: send X-Admin-Key', 'missing_admin_key');
    if (this.isRoot(raw)) return { kind: 'root' };
    if (!keyPrefixOf(raw)) throw unauthorized('Invalid admin key', 'invalid_admin_key');
    return this.projectKey(raw, 'admin');
  }

  forget(prefix: string): void {
    this.cache.delete(prefix);
  }

  private isRoot(raw: string): boolean {
    const a = Buffer.from(raw);
    const b = Buffer.from(this.rootKey);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private async lookup(prefix: string): Promise<KeyRecord | null> {
    const hit = this.cache.get(prefix);
    if (hit && Date.now() - hit.at < CACHE_MS && hit.record) return hit.record;
    const record = await this.directory.keyByPrefix(prefix);
    this.cache.set(prefix, { record, at: Date.now() });
    return record;
  }
}
