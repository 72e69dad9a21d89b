import { createHash } from 'crypto';
import { v7 as uuidv7 } from 'uuid';

// Every id in the product is a prefixed UUIDv7, so ids sort by creation time.
export type IdPrefix = 'resp' | 'trace' | 'req' | 'appr' | 'job' | 'proj' | 'key' | 'conv' | 'mem' | 'msg' | 'fc' | 'call' | 'dlv' | 'usr' | 'runner';

export interface IdSource {
  uuid(): string;
}

export const uuidV7Source: IdSource = { uuid: () => uuidv7() };

let source: IdSource = uuidV7Source;

/** Replaces the id source (tests use a seeded one). */
export function setIdSource(next: IdSource): void {
  source = next;
}

export function newUuid(): string {
  return source.uuid();
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${source.uuid().replace(/-/g, '')}`;
}

/**
 * An id derived from what it names (the same every time it is derived), for things that have no
 * id of their own to keep: an input item's place in a response, a webhook delivery's key.
 */
export function derivedId(prefix: string, seed: string): string {
  return `${prefix}_${createHash('sha256').update(seed).digest('hex').slice(0, 32)}`;
}
