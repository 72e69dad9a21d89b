import { z } from 'zod';
import { parseOrThrow } from '@genaug/kernel';
import { createResponseRequestSchema } from './create-response.request';

const create = createResponseRequestSchema.shape;

/** The model counted for when the request names none: the middle tier. */
export const DEFAULT_COUNTED_MODEL = 'balanced';

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

export type InputTokensRequest = z.output<typeof inputTokensRequestSchema>;

export interface InputTokenCount {
  object: 'response.input_tokens';
  input_tokens: number;
}

export function parseInputTokensRequest(body: unknown): InputTokensRequest {
  return parseOrThrow(inputTokensRequestSchema, body ?? {});
}
