import { z } from 'zod';
import { factTypeField, userIdField } from '../memory-fields';

export const listMemorySchema = z.object({
  user_id: userIdField,
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** The `next_cursor` of the previous page. */
  after: z.string().min(1).max(64).optional(),
  fact_type: factTypeField.optional(),
});

export const profileSchema = z.object({
  user_id: userIdField,
  /** Facts shown per type, most important first. */
  limit_per_type: z.coerce.number().int().min(1).max(100).default(20),
});
