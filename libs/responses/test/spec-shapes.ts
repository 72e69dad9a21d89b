import { z } from 'zod';

// The specification's ResponseResource and output items as the conformance checks read them,
// written independently of the library so a test compares the two.

/** `required` of ResponseResource in the Open Responses OpenAPI document. */
export const SPEC_REQUIRED_RESPONSE_FIELDS = [
  'id', 'object', 'created_at', 'completed_at', 'status', 'incomplete_details', 'model',
  'previous_response_id', 'instructions', 'output', 'error', 'tools', 'tool_choice', 'truncation',
  'parallel_tool_calls', 'text', 'top_p', 'presence_penalty', 'frequency_penalty', 'top_logprobs',
  'temperature', 'reasoning', 'user', 'usage', 'max_output_tokens', 'max_tool_calls', 'store',
  'background', 'service_tier', 'metadata', 'safety_identifier', 'prompt_cache_key',
];

const int = z.number().int();
const status = z.enum(['in_progress', 'completed', 'incomplete']);

export const specOutputText = z.strictObject({
  type: z.literal('output_text'),
  text: z.string(),
  annotations: z.array(z.unknown()),
  logprobs: z.array(z.unknown()),
});

export const specMessage = z.strictObject({
  type: z.literal('message'),
  id: z.string().min(1),
  status,
  role: z.literal('assistant'),
  content: z.array(specOutputText),
});

export const specFunctionCall = z.strictObject({
  type: z.literal('function_call'),
  id: z.string().min(1),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  status,
});

export const specFunctionCallOutput = z.strictObject({
  type: z.literal('function_call_output'),
  id: z.string().min(1),
  call_id: z.string().min(1),
  output: z.string(),
  status,
});

export const specItem = z.discriminatedUnion('type', [specMessage, specFunctionCall, specFunctionCallOutput]);

const functionChoice = z.strictObject({ type: z.literal('function'), name: z.string() });

export const specResponse = z.strictObject({
  id: z.string(),
  object: z.literal('response'),
  created_at: int,
  completed_at: int.nullable(),
  status: z.enum(['queued', 'in_progress', 'completed', 'failed', 'incomplete', 'cancelled']),
  incomplete_details: z.strictObject({ reason: z.string() }).nullable(),
  model: z.string(),
  previous_response_id: z.string().nullable(),
  instructions: z.string().nullable(),
  output: z.array(specItem),
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  tools: z.array(
    z.strictObject({
      type: z.literal('function'),
      name: z.string(),
      description: z.string().nullable(),
      parameters: z.record(z.string(), z.unknown()).nullable(),
      strict: z.boolean().nullable(),
    }),
  ),
  tool_choice: z.union([
    z.enum(['none', 'auto', 'required']),
    functionChoice,
    z.strictObject({ type: z.literal('allowed_tools'), tools: z.array(functionChoice), mode: z.enum(['none', 'auto', 'required']) }),
  ]),
  truncation: z.enum(['auto', 'disabled']),
  parallel_tool_calls: z.boolean(),
  text: z.strictObject({
    format: z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('text') }),
      z.strictObject({ type: z.literal('json_object') }),
      z.strictObject({
        type: z.literal('json_schema'),
        name: z.string(),
        description: z.string().nullable(),
        schema: z.record(z.string(), z.unknown()),
        strict: z.boolean(),
      }),
    ]),
    verbosity: z.enum(['low', 'medium', 'high']).optional(),
  }),
  top_p: z.number(),
  presence_penalty: z.number(),
  frequency_penalty: z.number(),
  top_logprobs: int,
  temperature: z.number(),
  reasoning: z.strictObject({ effort: z.string().nullable(), summary: z.string().nullable() }).nullable(),
  user: z.string().nullable(),
  usage: z
    .strictObject({
      input_tokens: int,
      output_tokens: int,
      total_tokens: int,
      input_tokens_details: z.strictObject({ cached_tokens: int }),
      output_tokens_details: z.strictObject({ reasoning_tokens: int }),
    })
    .nullable(),
  max_output_tokens: int.nullable(),
  max_tool_calls: int.nullable(),
  store: z.boolean(),
  background: z.boolean(),
  service_tier: z.string(),
  metadata: z.record(z.string(), z.string()),
  safety_identifier: z.string().nullable(),
  prompt_cache_key: z.string().nullable(),
  conversation: z.strictObject({ id: z.string() }).nullable().optional(),
});
