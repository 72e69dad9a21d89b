import { z } from 'zod';
import { factTypeField, importanceField, userIdField } from '../memory-fields';

export const searchMemorySchema = z
  .object({
    user_id: userIdField,
    query: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters'),
    top_k: z.number().int().min(1).max(50).default(10),
    fact_types: z.array(factTypeField).max(20).optional(),
    min_importance: importanceField.optional(),
  })
  .strict();
