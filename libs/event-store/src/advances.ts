import type { Pool } from 'pg';
import { BroadcastChannel } from 'worker_threads';
import type { LogPosition } from './events';

export interface Advance {
  consumer: string;
  position: LogPosition;
}

/**
 * The progress of awaited projections, shared by every thread of the process that uses the same
 * database (the API thread waits on projections the worker thread runs). Named by the database,
 * so servers of different databases in one process never hear each other.
 */
export function advancesChannel(pool: Pool): BroadcastChannel {
  const url = (pool as unknown as { options?: { connectionString?: string } }).options?.connectionString ?? 'default';
  const channel = new BroadcastChannel(`genaug-advances:${url}`);
  // Listening must not keep a process alive.
  channel.unref();
  return channel;
}
