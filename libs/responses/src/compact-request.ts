import { z } from 'zod';
import { parseOrThrow } from '@genaug/kernel';
import { createResponseRequestSchema } from './create-response.request';

const create = createResponseRequestSchema.shape;

/**
 * POST /v1/responses/compact: the conversation to compact (`previous_response_id`, `input`, or
 * both) and the model that summarises it. `user` is ours, as on create: the turn and its
 * compaction item belong to that app user.
 */
export const compactRequestSchema = z.object({
  model: create.model,
  input: create.input.nullish(),
  previous_response_id: create.previous_response_id,
  instructions: create.instructions,
  prompt_cache_key: create.prompt_cache_key,
  user: create.user,
  safety_identifier: create.safety_identifier,
});

export type CompactRequest = z.output<typeof compactRequestSchema>;

export function parseCompactRequest(body: unknown): CompactRequest {
  return parseOrThrow(compactRequestSchema, body);
}
