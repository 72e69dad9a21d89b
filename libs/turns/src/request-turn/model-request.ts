import type { ModelRequest } from '@genaug/models';
import type { CreateResponseRequest } from '@genaug/responses';
import { toModelMessages, type ContextItem } from './model-messages';

/** The provider-neutral request a turn sends its model (the server and the mock build it here). */
export function toModelRequest(request: CreateResponseRequest, instructions: string | null, context: ContextItem[]): ModelRequest {
  const format = request.text?.format ?? undefined;
  return {
    messages: toModelMessages(instructions, context),
    tools: (request.tools ?? []).map((t) => ({
      name: t.name,
      description: t.description ?? undefined,
      parameters: (t.parameters ?? { type: 'object', properties: {} }) as Record<string, unknown>,
      strict: t.strict ?? undefined,
    })),
    toolChoice: toolChoiceOf(request.tool_choice),
    parallelToolCalls: request.parallel_tool_calls ?? undefined,
    textFormat: format
      ? format.type === 'json_schema'
        ? { type: 'json_schema', name: format.name, schema: format.schema, strict: format.strict ?? undefined, description: format.description ?? undefined }
        : { type: format.type }
      : undefined,
    maxOutputTokens: request.max_output_tokens ?? undefined,
    temperature: request.temperature ?? undefined,
    topP: request.top_p ?? undefined,
  };
}

function toolChoiceOf(choice: CreateResponseRequest['tool_choice']): ModelRequest['toolChoice'] {
  if (choice == null) return undefined;
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') return { type: 'function', name: choice.name };
  // allowed_tools narrows the offer; the mode is what the model may do with it.
  return choice.mode ?? 'auto';
}

/** Splits a validated answer into a few deltas, so a stream still streams. */
export function answerChunks(text: string): string[] {
  if (!text) return [];
  const size = Math.max(16, Math.ceil(text.length / 4));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
