import { createHash, randomBytes, timingSafeEqual } from 'crypto';
import type { KeyEnvironment } from './project.events';

const ENV_TAG: Record<KeyEnvironment, string> = { production: 'live', staging: 'stg', development: 'dev', ci: 'ci' };

export interface GeneratedKey {
  raw: string;
  prefix: string;
  hash: string;
}

/**
 * A project key is `ga_<env>_<24 hex public id>_<40 hex secret>`. The prefix up to the public
 * id is stored and indexed, so a request finds its project and key with one lookup; only the
 * sha256 of the whole key is kept.
 */
export function generateApiKey(environment: KeyEnvironment): GeneratedKey {
  const prefix = `ga_${ENV_TAG[environment]}_${randomBytes(12).toString('hex')}`;
  const raw = `${prefix}_${randomBytes(20).toString('hex')}`;
  return { raw, prefix, hash: hashApiKey(raw) };
}

export const hashApiKey = (raw: string): string => createHash('sha256').update(raw).digest('hex');

export function keyPrefixOf(raw: string): string | null {
  const m = /^(ga_[a-z]+_[0-9a-f]{24})_[0-9a-f]{40}$/.exec(raw);
  return m ? m[1] : null;
}

export function keyMatches(raw: string, hash: string): boolean {
  const a = Buffer.from(hashApiKey(raw), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
