import type { CreateResponseRequest } from './create-response.request';

// The response object of the Open Responses specification, built whole: every field the
// spec marks required is always present, null where the spec allows it.

export type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'incomplete' | 'cancelled';
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface OutputTextPart {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

export interface MessageItem {
  type: 'message';
  id: string;
  status: ItemStatus;
  role: 'assistant';
  content: OutputTextPart[];
}

export interface FunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}

export interface FunctionCallOutputItem {
  type: 'function_call_output';
  id: string;
  call_id: string;
  output: string;
  status: ItemStatus;
}

export type OutputItem = MessageItem | FunctionCallItem | FunctionCallOutputItem;

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens_details: { reasoning_tokens: number };
}

/** Token counts as the model layer reports them. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedTokens?: number;
  reasoningTokens?: number;
}

export interface ResponseError {
  code: string;
  message: string;
}

export type ResponseToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function'; name: string }
  | { type: 'allowed_tools'; tools: { type: 'function'; name: string }[]; mode: 'auto' | 'none' | 'required' };

export type ResponseTextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; description: string | null; schema: Record<string, unknown>; strict: boolean };

export interface ResponseFunctionTool {
  type: 'function';
  name: string;
  description: string | null;
  parameters: Record<string, unknown> | null;
  strict: boolean | null;
}

export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  completed_at: number | null;
  status: ResponseStatus;
  incomplete_details: { reason: string } | null;
  model: string;
  previous_response_id: string | null;
  instructions: string | null;
  output: OutputItem[];
  error: ResponseError | null;
  tools: ResponseFunctionTool[];
  tool_choice: ResponseToolChoice;
  truncation: 'auto' | 'disabled';
  parallel_tool_calls: boolean;
  text: { format: ResponseTextFormat; verbosity?: 'low' | 'medium' | 'high' };
  top_p: number;
  presence_penalty: number;
  frequency_penalty: number;
  top_logprobs: number;
  temperature: number;
  reasoning: { effort: string | null; summary: string | null } | null;
  user: string | null;
  usage: Usage | null;
  max_output_tokens: number | null;
  max_tool_calls: number | null;
  store: boolean;
  background: boolean;
  service_tier: string;
  metadata: Record<string, string>;
  safety_identifier: string | null;
  prompt_cache_key: string | null;
  conversation?: { id: string } | null;
}

/** The fields the specification's ResponseResource marks required. */
export const RESPONSE_REQUIRED_FIELDS = [
  'id', 'object', 'created_at', 'completed_at', 'status', 'incomplete_details', 'model',
  'previous_response_id', 'instructions', 'output', 'error', 'tools', 'tool_choice', 'truncation',
  'parallel_tool_calls', 'text', 'top_p', 'presence_penalty', 'frequency_penalty', 'top_logprobs',
  'temperature', 'reasoning', 'user', 'usage', 'max_output_tokens', 'max_tool_calls', 'store',
  'background', 'service_tier', 'metadata', 'safety_identifier', 'prompt_cache_key',
] as const satisfies readonly (keyof ResponseObject)[];

export interface ResponseState {
  id: string;
  createdAt: Date;
  status: ResponseStatus;
  completedAt?: Date | null;
  output?: OutputItem[];
  usage?: TokenCounts | null;
  error?: ResponseError | null;
  incompleteReason?: string | null;
  /** Defaults to the requested model; a server may keep the tier name here and put the provider model in metadata. */
  model?: string;
  /** Replaces the request's metadata (e.g. with request and trace ids added). */
  metadata?: Record<string, string>;
}

const unixSeconds = (at: Date) => Math.floor(at.getTime() / 1000);

export function toUsage(counts: TokenCounts): Usage {
  return {
    input_tokens: counts.inputTokens,
    output_tokens: counts.outputTokens,
    total_tokens: counts.inputTokens + counts.outputTokens,
    input_tokens_details: { cached_tokens: counts.cachedTokens ?? 0 },
    output_tokens_details: { reasoning_tokens: counts.reasoningTokens ?? 0 },
  };
}

function toolChoice(request: CreateResponseRequest): ResponseToolChoice {
  const choice = request.tool_choice;
  if (choice == null) return 'auto';
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') return { type: 'function', name: choice.name };
  return { type: 'allowed_tools', tools: choice.tools.map((t) => ({ type: 'function', name: t.name })), mode: choice.mode ?? 'auto' };
}

function textFormat(request: CreateResponseRequest): ResponseObject['text'] {
  const format = request.text?.format;
  const out: ResponseObject['text'] = {
    format:
      format?.type === 'json_schema'
        ? { type: 'json_schema', name: format.name, description: format.description ?? null, schema: format.schema, strict: format.strict ?? false }
        : { type: format?.type ?? 'text' },
  };
  if (request.text?.verbosity) out.verbosity = request.text.verbosity;
  return out;
}

export function buildResponse(request: CreateResponseRequest, state: ResponseState): ResponseObject {
  const response: ResponseObject = {
    id: state.id,
    object: 'response',
    created_at: unixSeconds(state.createdAt),
    completed_at: state.completedAt ? unixSeconds(state.completedAt) : null,
    status: state.status,
    incomplete_details: state.incompleteReason ? { reason: state.incompleteReason } : null,
    model: state.model ?? request.model,
    previous_response_id: request.previous_response_id ?? null,
    instructions: request.instructions ?? null,
    output: state.output ?? [],
    error: state.error ?? null,
    tools: (request.tools ?? []).map((tool) => ({
      type: 'function',
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.parameters ?? null,
      strict: tool.strict ?? null,
    })),
    tool_choice: toolChoice(request),
    truncation: request.truncation ?? 'disabled',
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    text: textFormat(request),
    top_p: request.top_p ?? 1,
    presence_penalty: request.presence_penalty ?? 0,
    frequency_penalty: request.frequency_penalty ?? 0,
    top_logprobs: request.top_logprobs ?? 0,
    temperature: request.temperature ?? 1,
    reasoning: request.reasoning ? { effort: request.reasoning.effort ?? null, summary: request.reasoning.summary ?? null } : null,
    user: request.user ?? null,
    usage: state.usage ? toUsage(state.usage) : null,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: request.max_tool_calls ?? null,
    store: request.store ?? true,
    background: request.background ?? false,
    service_tier: !request.service_tier || request.service_tier === 'auto' ? 'default' : request.service_tier,
    metadata: state.metadata ?? request.metadata ?? {},
    safety_identifier: request.safety_identifier ?? null,
    prompt_cache_key: request.prompt_cache_key ?? null,
  };
  if (request.conversation) response.conversation = { id: request.conversation.id };
  return response;
}
