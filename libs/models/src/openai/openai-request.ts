import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import { contentParts, contentText, type ContentPart, type ModelRequest, type ToolChoice } from '../model-request';

/** A Chat Completions request for `model`; the provider adds the streaming options when it streams. */
export function chatCompletionRequest(model: string, request: ModelRequest): ChatCompletionCreateParamsNonStreaming {
  const hasTools = (request.tools?.length ?? 0) > 0;
  const params: ChatCompletionCreateParamsNonStreaming = { model, messages: chatMessages(request) };
  if (hasTools) {
    params.tools = request.tools!.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters, strict: tool.strict },
    }));
    if (request.toolChoice) params.tool_choice = toolChoice(request.toolChoice);
    if (request.parallelToolCalls !== undefined) params.parallel_tool_calls = request.parallelToolCalls;
  }
  const format = request.textFormat;
  if (format?.type === 'json_object') params.response_format = { type: 'json_object' };
  if (format?.type === 'json_schema') {
    params.response_format = {
      type: 'json_schema',
      json_schema: { name: format.name, schema: format.schema, strict: format.strict, description: format.description },
    };
  }
  if (request.maxOutputTokens !== undefined) params.max_completion_tokens = request.maxOutputTokens;
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.topP !== undefined) params.top_p = request.topP;
  return params;
}

function chatMessages(request: ModelRequest): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  for (const message of request.messages) {
    if (message.type === 'function_call') {
      // Calls made in one step travel together on one assistant message.
      const previous = out.at(-1);
      const call = { id: message.callId, type: 'function' as const, function: { name: message.name, arguments: message.arguments } };
      if (previous?.role === 'assistant') previous.tool_calls = [...(previous.tool_calls ?? []), call];
      else out.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (message.type === 'function_call_output') {
      out.push({ role: 'tool', tool_call_id: message.callId, content: message.output });
    } else if (message.role === 'user') {
      out.push({ role: 'user', content: typeof message.content === 'string' ? message.content : userParts(message.content) });
    } else if (message.role === 'assistant') {
      out.push({ role: 'assistant', content: contentText(message.content) });
    } else {
      // "system" is what every OpenAI-compatible server understands; "developer" is not universal.
      out.push({ role: 'system', content: contentText(message.content) });
    }
  }
  return out;
}

function userParts(parts: ContentPart[]): ChatCompletionContentPart[] {
  return contentParts(parts).map((part): ChatCompletionContentPart => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    if (part.type === 'image') return { type: 'image_url', image_url: { url: part.url, detail: part.detail } };
    // Chat Completions takes files inline only; a linked file is passed on as its address.
    if (!part.url.startsWith('data:')) return { type: 'text', text: `[file ${part.filename ?? ''}: ${part.url}]` };
    return { type: 'file', file: { file_data: part.url, filename: part.filename } };
  });
}

function toolChoice(choice: ToolChoice): ChatCompletionToolChoiceOption {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}
