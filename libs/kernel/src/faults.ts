// What went wrong between us and PostgreSQL, as far as retrying and answering are concerned.
import type { BackoffPolicy } from './backoff';

/** Waits between tries while the database is unreachable: quick ones for a pooler failing over, then one every few seconds for a restart. */
export const DATABASE_RETRY: BackoffPolicy = { backoffMs: 100, maxBackoffMs: 5_000 };

/** SQLSTATE classes and codes of a server that is going away, not there yet, or full. */
const UNAVAILABLE = /^(08|57P0[123]|53300)/;
/** Node's socket errors for a server that cannot be reached or went away. */
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** The connection to PostgreSQL was lost or could not be made. */
export function isConnectionFault(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (SOCKET_ERRORS.has(code) || UNAVAILABLE.test(code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(String(e?.message ?? ''));
}
