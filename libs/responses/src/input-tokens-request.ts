import { z } from 'zod';
import { parseOrThrow } from '@genaug/kernel';
import { createResponseRequestSchema, type CreateResponseRequest } from './create-response.request';

const create = createResponseRequestSchema.shape;

/** The model counted for when the request names none: the middle tier. */
const DEFAULT_COUNTED_MODEL = 'balanced';

/**
 * POST /v1/responses/input_tokens: what a turn with these fields would give its model to read
 * (instructions, the previous response or conversation, the input, tools and output format),
 * to be counted without running it.
 */
export const inputTokensRequestSchema = z.object({
  model: create.model.nullish(),
  input: create.input.nullish(),
  instructions: create.instructions,
  previous_response_id: create.previous_response_id,
  conversation: create.conversation,
  tools: create.tools,
  tool_choice: create.tool_choice,
  parallel_tool_calls: create.parallel_tool_calls,
  text: create.text,
  reasoning: create.reasoning,
  truncation: create.truncation,
});

export interface InputTokenCount {
  object: 'response.input_tokens';
  input_tokens: number;
}

/** The body as the turn it counts for would be requested: the default model, no input when none is sent. */
export function parseInputTokensRequest(body: unknown): CreateResponseRequest {
  const parsed = parseOrThrow(inputTokensRequestSchema, body ?? {});
  return { ...parsed, model: parsed.model ?? DEFAULT_COUNTED_MODEL, input: parsed.input ?? [] } as CreateResponseRequest;
}
