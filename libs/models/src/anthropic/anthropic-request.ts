import type {
  ContentBlockParam,
  MessageCreateParamsStreaming,
  MessageParam,
  ToolChoice as AnthropicToolChoice,
} from '@anthropic-ai/sdk/resources/messages/messages';
import { contentParts, contentText, type ContentPart, type ModelRequest } from '../model-request';

// The Messages API requires max_tokens; this is what a turn gets when it sets no limit.
export const DEFAULT_MAX_TOKENS = 4096;

/** A Messages API request for `model`, always streamed. */
export function messagesRequest(model: string, request: ModelRequest): MessageCreateParamsStreaming {
  const system: string[] = [];
  const messages: MessageParam[] = [];
  // The Messages API wants user and assistant turns to alternate, so adjacent blocks of the
  // same role (several tool results, text followed by tool calls) share one message.
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]) => {
    const previous = messages.at(-1);
    if (previous?.role === role && Array.isArray(previous.content)) previous.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const message of request.messages) {
    if (message.type === 'function_call') {
      push('assistant', [{ type: 'tool_use', id: message.callId, name: message.name, input: parseArguments(message.arguments) }]);
    } else if (message.type === 'function_call_output') {
      push('user', [{ type: 'tool_result', tool_use_id: message.callId, content: message.output }]);
    } else if (message.role === 'system' || message.role === 'developer') {
      system.push(contentText(message.content));
    } else if (message.role === 'assistant') {
      push('assistant', [{ type: 'text', text: contentText(message.content) }]);
    } else {
      push('user', userBlocks(message.content));
    }
  }

  const format = request.textFormat;
  // No JSON mode in the Messages API: ask for it in the system prompt instead.
  if (format?.type === 'json_object') system.push('Answer with a single JSON object and nothing else.');

  const params: MessageCreateParamsStreaming = {
    model,
    messages,
    max_tokens: request.maxOutputTokens ?? DEFAULT_MAX_TOKENS,
    stream: true,
  };
  if (system.length) params.system = system.join('\n\n');
  if (format?.type === 'json_schema') params.output_config = { format: { type: 'json_schema', schema: format.schema } };
  if (request.tools?.length) {
    params.tools = request.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: { type: 'object', ...tool.parameters } as { type: 'object' },
      ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
    }));
    const choice = toolChoice(request);
    if (choice) params.tool_choice = choice;
  }
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.topP !== undefined) params.top_p = request.topP;
  return params;
}

function toolChoice(request: ModelRequest): AnthropicToolChoice | undefined {
  const choice = request.toolChoice;
  const disable_parallel_tool_use = request.parallelToolCalls === false ? true : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any', disable_parallel_tool_use };
  if (typeof choice === 'object') return { type: 'tool', name: choice.name, disable_parallel_tool_use };
  if (choice === 'auto' || disable_parallel_tool_use) return { type: 'auto', disable_parallel_tool_use };
  return undefined;
}

function userBlocks(content: string | ContentPart[]): ContentBlockParam[] {
  return contentParts(content).map((part): ContentBlockParam => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    const inline = dataUrl(part.url);
    if (part.type === 'image') {
      if (!inline) return { type: 'image', source: { type: 'url', url: part.url } };
      const mediaType = inline.mediaType as 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
      return { type: 'image', source: { type: 'base64', media_type: mediaType, data: inline.data } };
    }
    if (!inline) return { type: 'document', source: { type: 'url', url: part.url }, title: part.filename };
    if (inline.mediaType === 'application/pdf') {
      return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: inline.data }, title: part.filename };
    }
    const text = Buffer.from(inline.data, 'base64').toString('utf8');
    return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: text }, title: part.filename };
  });
}

function dataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1], data: match[2] } : undefined;
}

function parseArguments(args: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(args || '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
