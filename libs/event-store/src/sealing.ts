import { createCipheriv, createDecipheriv, randomBytes } from 'crypto';
import type { Pool, PoolClient } from 'pg';
import { newUuid, randomBytesPooled } from '@genaug/kernel';
import type { EventNotifier } from './notifier';

/** What a sealed field reads as once its subject has been erased. */
export const ERASED = '[erased]';
const PREFIX = 'sealed:v1:';

export const isSealed = (value: unknown): value is string => typeof value === 'string' && value.startsWith(PREFIX);
export const isErased = (value: unknown): boolean => value === ERASED;

export function parseMasterKey(raw: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new Error('GENAUG_MASTER_KEY must be 32 bytes (64 hex characters or base64)');
  return key;
}

function encrypt(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytesPooled(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]);
}

function decrypt(key: Buffer, blob: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(blob.subarray(12, 28));
  return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]);
}

interface SubjectKey {
  keyId: string;
  key: Buffer;
}

/**
 * Crypto-shredding: personal fields are sealed with AES-256-GCM under a data key per subject
 * (project + app user). Data keys are stored wrapped by the master key. Erasing a subject
 * deletes its key, so every sealed copy, in the log and anywhere else, becomes unreadable
 * while the log itself (and its hash chain) stays untouched.
 */
export class Sealer {
  private bySubject = new Map<string, SubjectKey>();
  private byId = new Map<string, Buffer | null>();

  constructor(
    private readonly pool: Pool,
    private readonly masterKey: Buffer,
    notifier?: EventNotifier | null,
  ) {
    notifier?.onKeyErased((keyId) => (keyId === null ? this.forgetAll() : this.forget(keyId)));
  }

  async seal(projectId: string, subject: string, plaintext: string): Promise<string> {
    const k = await this.subjectKey(projectId, subject);
    return PREFIX + k.keyId + ':' + encrypt(k.key, Buffer.from(plaintext, 'utf8'), k.keyId).toString('base64');
  }

  /** Seals a JSON value (objects, arrays) as one field. */
  async sealJson(projectId: string, subject: string, value: unknown): Promise<string> {
    return this.seal(projectId, subject, JSON.stringify(value));
  }

  async unseal(value: string): Promise<string> {
    if (!isSealed(value)) return value;
    const rest = value.slice(PREFIX.length);
    const sep = rest.indexOf(':');
    const keyId = rest.slice(0, sep);
    const key = await this.keyById(keyId);
    if (!key) return ERASED;
    return decrypt(key, Buffer.from(rest.slice(sep + 1), 'base64'), keyId).toString('utf8');
  }

  async unsealJson<T = unknown>(value: string): Promise<T | typeof ERASED> {
    const text = await this.unseal(value);
    return text === ERASED ? ERASED : (JSON.parse(text) as T);
  }

  /** Key id of a sealed value, to tell which subject key it depends on. */
  static keyIdOf(value: string): string | null {
    if (!isSealed(value)) return null;
    const rest = value.slice(PREFIX.length);
    return rest.slice(0, rest.indexOf(':'));
  }

  /**
   * Destroys the subject's data key. Returns the erased key ids; the caller records an event
   * saying who asked (never what was erased).
   */
  async erase(projectId: string, subject: string, client?: PoolClient): Promise<string[]> {
    const runner = client ?? this.pool;
    const res = await runner.query<{ key_id: string }>(
      `with gone as (delete from genaug_subject_keys where project_id = $1 and subject = $2 returning key_id, project_id)
       insert into genaug_erased_keys (key_id, project_id) select key_id, project_id from gone returning key_id`,
      [projectId, subject],
    );
    const ids = res.rows.map((r) => r.key_id);
    for (const id of ids) {
      this.forget(id);
      await runner.query("select pg_notify('genaug_keys', $1)", [id]);
    }
    this.bySubject.delete(`${projectId}\u0000${subject}`);
    return ids;
  }

  /** Erasures may have been missed: keys are read again from the database on next use. */
  private forgetAll(): void {
    this.byId.clear();
    this.bySubject.clear();
  }

  private forget(keyId: string): void {
    this.byId.set(keyId, null);
    for (const [k, v] of this.bySubject) if (v.keyId === keyId) this.bySubject.delete(k);
  }

  private async subjectKey(projectId: string, subject: string): Promise<SubjectKey> {
    const cacheKey = `${projectId}\u0000${subject}`;
    const cached = this.bySubject.get(cacheKey);
    if (cached) return cached;
    const keyId = newUuid();
    const key = randomBytes(32);
    const wrapped = encrypt(this.masterKey, key, keyId);
    // Insert-or-read in one statement: concurrent first seals for a subject agree on one key.
    const res = await this.pool.query(
      `with ins as (
         insert into genaug_subject_keys (key_id, project_id, subject, wrapped_key) values ($1, $2, $3, $4)
         on conflict (project_id, subject) do nothing returning key_id, wrapped_key)
       select key_id, wrapped_key from ins
       union all
       select key_id, wrapped_key from genaug_subject_keys where project_id = $2 and subject = $3
       limit 1`,
      [keyId, projectId, subject, wrapped],
    );
    let row = res.rows[0];
    if (!row) {
      // The concurrent insert committed after our snapshot: read it now.
      row = (await this.pool.query('select key_id, wrapped_key from genaug_subject_keys where project_id = $1 and subject = $2', [projectId, subject])).rows[0];
    }
    const found: SubjectKey = { keyId: row.key_id, key: decrypt(this.masterKey, row.wrapped_key, row.key_id) };
    this.bySubject.set(cacheKey, found);
    this.byId.set(found.keyId, found.key);
    return found;
  }

  private async keyById(keyId: string): Promise<Buffer | null> {
    if (this.byId.has(keyId)) return this.byId.get(keyId)!;
    const res = await this.pool.query('select wrapped_key from genaug_subject_keys where key_id = $1', [keyId]);
    const key = res.rowCount ? decrypt(this.masterKey, res.rows[0].wrapped_key, keyId) : null;
    this.byId.set(keyId, key);
    return key;
  }
}
