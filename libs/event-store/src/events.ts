import { z } from 'zod';

/** Envelope metadata carried by every event (ARCHITECTURE.md §2). */
export const eventMetadataSchema = z
  .object({
    project_id: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    correlation_id: z.string().min(1).optional(),
    causation_id: z.string().min(1).optional(),
    trace_id: z.string().regex(/^[0-9a-f]{32}$/, 'must be a W3C trace id (32 lowercase hex)').optional(),
    actor: z.string().min(1).optional(),
  })
  .catchall(z.union([z.string(), z.number(), z.boolean(), z.null()]));

export type EventMetadata = z.infer<typeof eventMetadataSchema>;

export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

export interface NewEvent<T = unknown> {
  type: string;
  data: T;
  metadata?: EventMetadata;
  eventId?: string;
  schemaVersion?: number;
}

export interface StoredEvent<T = any> {
  globalPosition: number;
  transactionId: string;
  streamId: string;
  streamVersion: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  data: T;
  metadata: EventMetadata;
  projectId: string | null;
  recordedAt: Date;
  hash: string;
}

/** A position in the global log: consumers order and checkpoint by (transaction id, position). */
export interface LogPosition {
  transactionId: string;
  globalPosition: number;
}

export const LOG_START: LogPosition = { transactionId: '0', globalPosition: 0 };

/** Orders log positions as consumers read them: by transaction id, then position. */
export function compareLogPositions(a: LogPosition, b: LogPosition): number {
  if (a.transactionId !== b.transactionId) {
    // 64-bit ids as decimal strings: the longer is larger, equal lengths compare as text.
    const x = a.transactionId;
    const y = b.transactionId;
    return x.length !== y.length ? x.length - y.length : x < y ? -1 : 1;
  }
  return a.globalPosition - b.globalPosition;
}

export const samePosition = (a: LogPosition, b: LogPosition): boolean =>
  a.transactionId === b.transactionId && a.globalPosition === b.globalPosition;

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    /** The stream's version, or -1 when the stream does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected version ${String(expected)}, actual ${actual === -1 ? 'no stream' : actual}`);
    this.name = 'WrongExpectedVersionError';
  }
}

export class InvalidEventError extends Error {
  constructor(
    readonly eventType: string,
    readonly issue: string,
  ) {
    super(`event ${eventType} refused: ${issue}`);
    this.name = 'InvalidEventError';
  }
}
