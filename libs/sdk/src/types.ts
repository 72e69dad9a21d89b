// Wire shapes of the General Augment HTTP API as the SDK sends and receives them
// (snake_case, exactly as on the wire). Extra fields are allowed everywhere: the API may add
// fields without a new SDK.

export type JsonObject = { [key: string]: unknown };

// --- /v1/responses request --------------------------------------------------------------

export type ContentPart =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url?: string | null; file_id?: string | null; detail?: 'low' | 'high' | 'auto' | null }
  | { type: 'input_file'; filename?: string | null; file_data?: string | null; file_url?: string | null; file_id?: string | null }
  | { type: 'output_text'; text: string; annotations?: unknown[]; [key: string]: unknown }
  | { type: 'refusal'; refusal: string };

export type InputItem =
  | { type?: 'message'; role: 'user' | 'system' | 'developer' | 'assistant'; content: string | ContentPart[]; [key: string]: unknown }
  | { type: 'function_call'; call_id: string; name: string; arguments: string; [key: string]: unknown }
  | { type: 'function_call_output'; call_id: string; output: string | ContentPart[]; [key: string]: unknown }
  | CompactionItem;

/** What POST /v1/responses/compact returned in place of a conversation: send it back as input unchanged. */
export interface CompactionItem {
  type: 'compaction';
  id?: string | null;
  encrypted_content: string;
}

export interface FunctionToolDefinition {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: JsonObject | null;
  strict?: boolean | null;
}

export type ToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function'; name: string }
  | { type: 'allowed_tools'; tools: { type: 'function'; name: string }[]; mode?: 'auto' | 'none' | 'required' };

export type TextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: JsonObject; strict?: boolean | null; description?: string | null };

export interface CreateResponseBody {
  /** A tier (`simple`, `balanced`, `complex`) so operators can change provider models without app changes. */
  model: string;
  input: string | InputItem[];
  /** Your stable, opaque app user id. */
  user?: string;
  instructions?: string | null;
  previous_response_id?: string | null;
  conversation?: string | { id: string } | null;
  tools?: FunctionToolDefinition[] | null;
  tool_choice?: ToolChoice | null;
  parallel_tool_calls?: boolean | null;
  text?: { format?: TextFormat | null; verbosity?: 'low' | 'medium' | 'high' | null } | null;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  /** At most 16 pairs; `feature` and `source` make usage and traces easy to filter. */
  metadata?: Record<string, string> | null;
  store?: boolean | null;
  stream?: boolean | null;
  background?: boolean | null;
  safety_identifier?: string | null;
  [field: string]: unknown;
}

// --- /v1/responses response -------------------------------------------------------------

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs?: unknown[];
}

export interface MessageOutput {
  type: 'message';
  id: string;
  status: 'in_progress' | 'completed' | 'incomplete';
  role: 'assistant';
  content: OutputText[];
}

export interface FunctionCallOutput {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: 'in_progress' | 'completed' | 'incomplete';
}

export interface FunctionCallResultOutput {
  type: 'function_call_output';
  id: string;
  call_id: string;
  output: string;
  status: 'in_progress' | 'completed' | 'incomplete';
}

export type OutputItem = MessageOutput | FunctionCallOutput | FunctionCallResultOutput;

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens_details: { reasoning_tokens: number };
}

export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  completed_at: number | null;
  status: 'queued' | 'in_progress' | 'completed' | 'failed' | 'incomplete' | 'cancelled';
  incomplete_details: { reason: string } | null;
  model: string;
  previous_response_id: string | null;
  instructions: string | null;
  output: OutputItem[];
  error: { code: string; message: string } | null;
  usage: Usage | null;
  user: string | null;
  /** Includes General Augment's `general_augment_request_id`, `general_augment_trace_id`, … */
  metadata: Record<string, string>;
  conversation?: { id: string } | null;
  [field: string]: unknown;
}

export interface CompactResponseBody {
  model: string;
  /** The conversation to compact: `previous_response_id`, `input`, or both. */
  input?: string | InputItem[] | null;
  previous_response_id?: string | null;
  instructions?: string | null;
  /** Your stable, opaque app user id: the compaction is sealed for them. */
  user?: string;
  [field: string]: unknown;
}

/** A name a request may send as `model` (GET /v1/models): a tier, or an allowed `provider/model`. */
export interface Model {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** What POST /v1/responses/input_tokens counts: a turn's fields without running it (`model` defaults to `balanced`). */
export type InputTokensBody = Partial<Pick<CreateResponseBody, 'model' | 'input' | 'instructions' | 'previous_response_id' | 'conversation' | 'tools' | 'tool_choice' | 'parallel_tool_calls' | 'text'>> & {
  [field: string]: unknown;
};

export interface InputTokenCount {
  object: 'response.input_tokens';
  input_tokens: number;
}

/** The conversation's user messages, kept verbatim, then one compaction item standing for the rest. */
export interface CompactionResource {
  id: string;
  object: 'response.compaction';
  created_at: number;
  output: Array<{ id: string; type: 'message'; role: 'user'; status: 'completed'; content: ContentPart[] } | (CompactionItem & { id: string })>;
  usage: Usage;
}

/** A server-side conversation (/v1/conversations): pass its `id` as `conversation` when creating responses. */
export interface Conversation {
  id: string;
  object: 'conversation';
  created_at: number;
  metadata: Record<string, string>;
}

/** One item of a conversation, with its id. */
export type ConversationItem = JsonObject & { id: string; type: string };

/** One server-sent event of a streamed response: `event` is its type, `data` its decoded JSON. */
export interface ResponseStreamEvent {
  event: string;
  data: unknown;
}

// --- memory -----------------------------------------------------------------------------

export interface StoreMemoryBody {
  user_id: string;
  fact: string;
  fact_type?: string;
  importance_score?: number;
  source?: string;
  idempotency_key?: string;
  [field: string]: unknown;
}

export interface SearchMemoryBody {
  user_id: string;
  query: string;
  limit?: number;
  [field: string]: unknown;
}

export interface Memory {
  id: string;
  [field: string]: unknown;
}

export interface ListOf<T> {
  object?: 'list';
  data: T[];
  [field: string]: unknown;
}

// --- admin ------------------------------------------------------------------------------

export interface Project {
  id: string;
  [field: string]: unknown;
}

export interface CreateProjectBody {
  name: string;
  slug?: string;
  settings?: JsonObject;
  [field: string]: unknown;
}

export interface CreateApiKeyBody {
  scopes?: ('responses' | 'admin')[];
  environment?: string;
  label?: string;
  [field: string]: unknown;
}

export interface ApiKey {
  id: string;
  [field: string]: unknown;
}

export interface UsageQuery {
  /** YYYY-MM-DD */
  startDate: string;
  /** YYYY-MM-DD */
  endDate: string;
  groupBy?: string;
}

export interface ScheduledJobBody {
  target_app_user_id: string;
  prompt: string;
  schedule: { type: 'interval'; every_seconds: number } | { type: 'cron'; cron: string; timezone?: string };
  [field: string]: unknown;
}

export interface ScheduledJob {
  id: string;
  [field: string]: unknown;
}

export interface Approval {
  id: string;
  [field: string]: unknown;
}
