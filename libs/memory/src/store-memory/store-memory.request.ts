import { createHash } from 'crypto';
import type { MemoryView } from '../memory-view';
import { z } from 'zod';
import { FACT_MAX_CHARS, factTypeField, importanceField, userIdField } from '../memory-fields';

const metadataValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

export const storeMemorySchema = z
  .object({
    user_id: userIdField,
    fact: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(FACT_MAX_CHARS, `must be at most ${FACT_MAX_CHARS} characters`),
    fact_type: factTypeField.default('other'),
    importance_score: importanceField.default(0.5),
    source: z.string().trim().min(1).max(100).nullable().optional(),
    metadata: z
      .record(z.string().min(1).max(64), metadataValue)
      .refine((m) => Object.keys(m).length <= 32, 'must have at most 32 keys')
      .nullable()
      .optional(),
    /** A retry with the same key returns the first memory instead of storing a duplicate. */
    idempotency_key: z.string().min(1).max(256, 'must be at most 256 characters').nullable().optional(),
  })
  .strict();

export type StoreMemoryInput = z.infer<typeof storeMemorySchema>;

/** What makes two stores "the same request" for an idempotency key. */
export function storeRequestHash(input: StoreMemoryInput): string {
  const metadata = input.metadata ? Object.entries(input.metadata).sort(([a], [b]) => (a < b ? -1 : 1)) : null;
  const canonical = JSON.stringify([input.fact, input.fact_type, input.importance_score, input.source ?? null, metadata]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The memory a store creates, as the API answers it. */
export const storedMemoryView = (id: string, input: StoreMemoryInput, createdAt: string): MemoryView => ({
  id,
  object: 'memory',
  user_id: input.user_id,
  fact: input.fact,
  fact_type: input.fact_type,
  importance_score: input.importance_score,
  source: input.source ?? null,
  metadata: input.metadata ?? null,
  created_at: createdAt,
});
