import { z } from 'zod';

// The memory routes' request bodies and queries as the real server validates them
// (libs/memory); the contract suite sends the same good and bad requests to both.

export const FACT_MAX_CHARS = 2000;

const userId = z.string().trim().min(1, 'is required').max(256, 'must be at most 256 characters');
const factType = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a lowercase word such as preference, profile, goal, constraint, event or other');
const importance = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const metadataValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

export const storeMemorySchema = z
  .object({
    user_id: userId,
    fact: z.string().trim().min(1, 'must not be empty').max(FACT_MAX_CHARS, `must be at most ${FACT_MAX_CHARS} characters`),
    fact_type: factType.default('other'),
    importance_score: importance.default(0.5),
    source: z.string().trim().min(1).max(100).nullable().optional(),
    metadata: z
      .record(z.string().min(1).max(64), metadataValue)
      .refine((m) => Object.keys(m).length <= 32, 'must have at most 32 keys')
      .nullable()
      .optional(),
    idempotency_key: z.string().min(1).max(256, 'must be at most 256 characters').nullable().optional(),
  })
  .strict();

export const searchMemorySchema = z
  .object({
    user_id: userId,
    query: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters'),
    top_k: z.number().int().min(1).max(50).default(10),
    fact_types: z.array(factType).max(20).optional(),
    min_importance: importance.optional(),
  })
  .strict();

export const listMemorySchema = z.object({
  user_id: userId,
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().min(1).max(64).optional(),
  fact_type: factType.optional(),
});

export const profileSchema = z.object({
  user_id: userId,
  limit_per_type: z.coerce.number().int().min(1).max(100).default(20),
});

export const purgeSchema = z.object({ user_id: userId }).strict();

export type StoreMemoryInput = z.infer<typeof storeMemorySchema>;
