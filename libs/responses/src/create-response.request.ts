import { z } from 'zod';
import { parseOrThrow } from '@genaug/kernel';

// The body of POST /v1/responses, after the Open Responses specification. Unknown top-level
// fields are dropped rather than refused, so clients built for the wider spec keep working.

const MAX_TEXT = 10 * 1024 * 1024;

/**
 * A field that is either a string or an array. Zod's plain union reports a failure inside
 * the array as "invalid input" on the parent; this keeps the inner path, so a 400 names
 * `input[0].content[1].type` instead of just `input`.
 */
function stringOrArray<T extends z.ZodType>(array: T, what: string) {
  return z.unknown().transform((value, ctx): string | z.output<T> => {
    if (typeof value === 'string') {
      if (value.length > MAX_TEXT) ctx.addIssue({ code: 'custom', message: `Must be at most ${MAX_TEXT} characters` });
      return value;
    }
    if (!Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: value === undefined ? `Required: ${what}` : `Expected ${what}` });
      return z.NEVER;
    }
    const result = array.safeParse(value);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
      return z.NEVER;
    }
    return result.data;
  });
}

const text = z.string().max(MAX_TEXT);
const toolName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z0-9_-]+$/, 'Must contain only letters, digits, underscores and dashes');

export const inputTextPartSchema = z.looseObject({ type: z.literal('input_text'), text });
export const inputImagePartSchema = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.string().nullish(),
  file_id: z.string().nullish(),
  detail: z.enum(['low', 'high', 'auto']).nullish(),
});
export const inputFilePartSchema = z.looseObject({
  type: z.literal('input_file'),
  filename: z.string().nullish(),
  file_data: z.string().nullish(),
  file_url: z.string().nullish(),
  file_id: z.string().nullish(),
});
export const outputTextPartSchema = z.looseObject({
  type: z.literal('output_text'),
  text,
  annotations: z.array(z.unknown()).optional(),
});
const refusalPartSchema = z.looseObject({ type: z.literal('refusal'), refusal: text });

const userPart = z.discriminatedUnion('type', [inputTextPartSchema, inputImagePartSchema, inputFilePartSchema]);
const instructionPart = z.discriminatedUnion('type', [inputTextPartSchema]);
const assistantPart = z.discriminatedUnion('type', [outputTextPartSchema, refusalPartSchema]);

const messageBase = { type: z.literal('message'), id: z.string().nullish(), status: z.string().nullish() };
const messageSchema = z.discriminatedUnion('role', [
  z.looseObject({ ...messageBase, role: z.literal('user'), content: stringOrArray(z.array(userPart), 'a string or an array of content parts') }),
  z.looseObject({ ...messageBase, role: z.literal('system'), content: stringOrArray(z.array(instructionPart), 'a string or an array of input_text parts') }),
  z.looseObject({ ...messageBase, role: z.literal('developer'), content: stringOrArray(z.array(instructionPart), 'a string or an array of input_text parts') }),
  z.looseObject({ ...messageBase, role: z.literal('assistant'), content: stringOrArray(z.array(assistantPart), 'a string or an array of output_text parts') }),
]);

const callId = z.string().min(1).max(64);
const functionCallSchema = z.looseObject({
  type: z.literal('function_call'),
  id: z.string().nullish(),
  call_id: callId,
  name: toolName,
  arguments: z.string(),
  status: z.enum(['in_progress', 'completed', 'incomplete']).nullish(),
});
const functionCallOutputSchema = z.looseObject({
  type: z.literal('function_call_output'),
  id: z.string().nullish(),
  call_id: callId,
  output: stringOrArray(z.array(userPart), 'a string or an array of content parts'),
  status: z.enum(['in_progress', 'completed', 'incomplete']).nullish(),
});
// Accepted so a client can send back a previous response's output unchanged.
const reasoningSchema = z.looseObject({ type: z.literal('reasoning'), summary: z.array(z.unknown()).optional() });
const itemReferenceSchema = z.looseObject({ type: z.literal('item_reference'), id: z.string() });
// What POST /v1/responses/compact returned: the conversation before it, summarised and sealed.
const compactionSchema = z.looseObject({ type: z.literal('compaction'), id: z.string().nullish(), encrypted_content: z.string().min(1).max(MAX_TEXT) });

/** One input item; a message may omit `type: "message"`, as the spec's easy form allows. */
export const inputItemSchema = z.preprocess(
  (value) =>
    value && typeof value === 'object' && !Array.isArray(value) && !('type' in value) && 'role' in value
      ? { ...value, type: 'message' }
      : value,
  z.discriminatedUnion('type', [messageSchema, functionCallSchema, functionCallOutputSchema, reasoningSchema, itemReferenceSchema, compactionSchema]),
);

export const functionToolSchema = z.looseObject({
  type: z.literal('function'),
  name: toolName,
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});

const toolChoiceMode = z.enum(['auto', 'none', 'required']);
const specificFunction = z.object({ type: z.literal('function'), name: toolName });
export const toolChoiceSchema = z.union(
  [
    toolChoiceMode,
    specificFunction,
    z.object({ type: z.literal('allowed_tools'), tools: z.array(specificFunction).min(1).max(128), mode: toolChoiceMode.optional() }),
  ],
  { error: `Expected 'auto', 'none', 'required', {"type":"function","name":…} or {"type":"allowed_tools","tools":[…]}` },
);

export const textFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: toolName,
    description: z.string().nullish(),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullish(),
  }),
]);

export const metadataSchema = z
  .record(z.string(), z.string().max(512, 'Values must be at most 512 characters'))
  .superRefine((metadata, ctx) => {
    const keys = Object.keys(metadata);
    if (keys.length > 16) ctx.addIssue({ code: 'custom', message: 'At most 16 key-value pairs' });
    for (const key of keys) {
      if (key.length > 64) ctx.addIssue({ code: 'custom', path: [key], message: 'Keys must be at most 64 characters' });
    }
  });

export const createResponseRequestSchema = z.object({
  model: z.string({ error: (issue) => (issue.input === undefined ? 'Required' : 'Expected a string') }).min(1),
  input: stringOrArray(z.array(inputItemSchema), 'a string or an array of input items'),
  instructions: z.string().max(MAX_TEXT).nullish(),
  previous_response_id: z.string().min(1).nullish(),
  conversation: z
    .union([z.string().min(1), z.object({ id: z.string().min(1) })])
    .nullish()
    .transform((c) => (c == null ? undefined : typeof c === 'string' ? { id: c } : { id: c.id })),
  tools: z
    .array(z.discriminatedUnion('type', [functionToolSchema]))
    .superRefine((tools, ctx) => {
      // A function call names its function: two tools of one name could not be told apart.
      const first = new Map<string, number>();
      tools.forEach((tool, i) => {
        const at = first.get(tool.name);
        if (at === undefined) first.set(tool.name, i);
        else ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `'${tool.name}' is already the name of tools[${at}]` });
      });
    })
    .nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z
    .object({ format: textFormatSchema.nullish(), verbosity: z.enum(['low', 'medium', 'high']).nullish() })
    .nullish(),
  max_output_tokens: z.number().int().min(16).nullish(),
  max_tool_calls: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  metadata: metadataSchema.nullish(),
  store: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_obfuscation: z.boolean().optional() }).loose().nullish(),
  background: z.boolean().nullish(),
  user: z.string().min(1).max(256).nullish(),
  safety_identifier: z.string().max(64).nullish(),
  prompt_cache_key: z.string().max(64).nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  reasoning: z
    .object({
      effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).nullish(),
      summary: z.enum(['auto', 'concise', 'detailed']).nullish(),
    })
    .loose()
    .nullish(),
  include: z.array(z.string()).nullish(),
  service_tier: z.enum(['auto', 'default', 'flex', 'priority']).nullish(),
  /** false: record the request (to continue it with previous_response_id) without asking a model, as OpenAI's WebSocket warm-up does. */
  generate: z.boolean().nullish(),
});

export type CreateResponseRequest = z.output<typeof createResponseRequestSchema>;
export type InputItem = z.output<typeof inputItemSchema>;
export type FunctionTool = z.output<typeof functionToolSchema>;
export type TextFormat = z.output<typeof textFormatSchema>;
export type ToolChoice = z.output<typeof toolChoiceSchema>;

/** Parses a POST /v1/responses body; a bad one is a 400 naming the first offending field. */
export function parseCreateResponseRequest(body: unknown): CreateResponseRequest {
  return parseOrThrow(createResponseRequestSchema, body);
}
