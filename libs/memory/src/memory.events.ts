import { createHash } from 'crypto';
import { z } from 'zod';
import { registerEvents } from '@genaug/event-store';

// The events of a user's memory, stream `memory-{project}-{user}`. The fact and its
// metadata are sealed for the subject `memory:{user}`, so purging memory destroys only that
// key while erasing the user destroys it and the user's own key (turn content).

const sealed = z.string().startsWith('sealed:v1:');
/** `mem_` and a UUIDv7's 32 hex digits (see newId). */
const memoryId = z.string().regex(/^mem_[0-9a-f]{32}$/);

const memoryStored = z.object({
  memory_id: memoryId,
  user_id: z.string(),
  fact_sealed: sealed,
  fact_type: z.string(),
  importance_score: z.number().min(0).max(1),
  /** Where the fact came from in the app (`booking`, `onboarding`): a label, not user text. */
  source: z.string().nullable(),
  metadata_sealed: sealed.nullable(),
  stored_at: z.string(),
});

const memoryDeleted = z.object({ memory_id: memoryId, user_id: z.string(), deleted_at: z.string() });

/** Every memory of the user is gone: the memory key was destroyed in the same transaction. */
const memoryPurged = z.object({ user_id: z.string(), purged_at: z.string() });

/**
 * A retry-safe store: stream `memory-idempotency-{project}-{hash of user and key}` holds the
 * memory the key produced. The request fingerprint is sealed with the fact, so it is gone
 * with it after a purge (and the key can then be used again).
 */
const memoryKeyClaimed = z.object({ memory_id: memoryId, user_id: z.string(), request_hash_sealed: sealed });

/**
 * Everything personal about an app user was erased by destroying their data keys. Records who
 * asked and when; never what was erased. Stream `user-{project}-{user}`.
 */
const userErased = z.object({ user_id: z.string(), requested_by: z.string(), erased_at: z.string() });

registerEvents({
  MemoryStored: memoryStored,
  MemoryDeleted: memoryDeleted,
  MemoryPurged: memoryPurged,
  MemoryKeyClaimed: memoryKeyClaimed,
  UserErased: userErased,
});

export type MemoryStoredData = z.infer<typeof memoryStored>;
export type MemoryDeletedData = z.infer<typeof memoryDeleted>;
export type MemoryPurgedData = z.infer<typeof memoryPurged>;
export type MemoryKeyClaimedData = z.infer<typeof memoryKeyClaimed>;
export type UserErasedData = z.infer<typeof userErased>;

export const memoryStream = (projectId: string, userId: string) => `memory-${projectId}-${userId}`;

export const memoryKeyStream = (projectId: string, userId: string, key: string) =>
  `memory-idempotency-${projectId}-${createHash('sha256').update(userId).update('\u0000').update(key).digest('hex').slice(0, 40)}`;

export const userStream = (projectId: string, userId: string) => `user-${projectId}-${userId}`;

/** The sealing subject of a user's memory facts; the user's own subject is the user id. */
export const memorySubject = (userId: string) => `memory:${userId}`;
