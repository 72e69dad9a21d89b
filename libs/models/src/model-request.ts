// What a turn asks of a model, in one provider-neutral shape. Providers translate it to
// their wire protocol; the local model answers it directly.

/** A part of a message's content. URLs may be https: or data: (base64) URLs. */
export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image'; url: string; detail?: 'auto' | 'low' | 'high' }
  | { type: 'file'; url: string; filename?: string };

export type MessageRole = 'system' | 'developer' | 'user' | 'assistant';

export interface ChatMessage {
  type: 'message';
  role: MessageRole;
  content: string | ContentPart[];
}

/** A function the assistant asked to call earlier in the conversation. */
export interface FunctionCall {
  type: 'function_call';
  callId: string;
  name: string;
  /** JSON text, as the model produced it. */
  arguments: string;
}

/** What the function returned, answering the call with the same id. */
export interface FunctionCallOutput {
  type: 'function_call_output';
  callId: string;
  output: string;
}

export type ModelMessage = ChatMessage | FunctionCall | FunctionCallOutput;

export interface FunctionTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; name: string };

export type TextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean; description?: string };

export interface ModelRequest {
  messages: ModelMessage[];
  /** What the answer is for: the next turn of the conversation (default), or its summary (compaction). */
  purpose?: 'answer' | 'compaction';
  tools?: FunctionTool[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  textFormat?: TextFormat;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  /** Aborts the call, e.g. when the client that asked for the turn went away. */
  signal?: AbortSignal;
}

/** The text of a message's content, parts joined by newlines; non-text parts are skipped. */
export function contentText(content: string | ContentPart[]): string {
  if (typeof content === 'string') return content;
  return content
    .filter((part): part is Extract<ContentPart, { type: 'text' }> => part.type === 'text')
    .map((part) => part.text)
    .join('\n');
}

export function contentParts(content: string | ContentPart[]): ContentPart[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

/** Whether the request lets the model call a tool at all. */
export function toolsOffered(request: ModelRequest): boolean {
  return (request.tools?.length ?? 0) > 0 && request.toolChoice !== 'none';
}
