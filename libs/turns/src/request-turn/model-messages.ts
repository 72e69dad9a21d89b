import type { ContentPart, ModelMessage } from '@genaug/models';
import type { NormalizedInputItem, OutputItem } from '@genaug/responses';

// Conversation items are kept in the Responses shape (what clients send and get back); the
// model layer takes its own provider-neutral messages. This is the one translation.

/** An item of a turn's context: an input item, or an earlier turn's output item. */
export type ContextItem = NormalizedInputItem | OutputItem;

function partsOf(content: unknown): ContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const parts: ContentPart[] = [];
  for (const p of content as any[]) {
    if (p.type === 'input_text' || p.type === 'output_text') parts.push({ type: 'text', text: String(p.text ?? '') });
    else if (p.type === 'refusal') parts.push({ type: 'text', text: String(p.refusal ?? '') });
    else if (p.type === 'input_image' && (p.image_url || p.file_id)) {
      parts.push({ type: 'image', url: String(p.image_url ?? p.file_id), detail: p.detail ?? undefined });
    } else if (p.type === 'input_file' && (p.file_url || p.file_data || p.file_id)) {
      parts.push({ type: 'file', url: String(p.file_url ?? p.file_data ?? p.file_id), filename: p.filename ?? undefined });
    }
  }
  return parts;
}

const outputText = (output: unknown): string =>
  typeof output === 'string' ? output : Array.isArray(output) ? partsOf(output).map((p) => (p.type === 'text' ? p.text : '')).join('') : JSON.stringify(output);

export function toModelMessages(instructions: string | null | undefined, items: ContextItem[]): ModelMessage[] {
  const messages: ModelMessage[] = [];
  if (instructions) messages.push({ type: 'message', role: 'system', content: instructions });
  for (const item of items as any[]) {
    if (item.type === 'message') {
      messages.push({ type: 'message', role: item.role, content: partsOf(item.content) });
    } else if (item.type === 'function_call') {
      messages.push({ type: 'function_call', callId: item.call_id, name: item.name, arguments: item.arguments });
    } else if (item.type === 'function_call_output') {
      messages.push({ type: 'function_call_output', callId: item.call_id, output: outputText(item.output) });
    }
    // reasoning and item references carry nothing a model needs again.
  }
  return messages;
}

/** Output items as they enter the next turn's context. */
export function outputAsContext(output: OutputItem[]): ContextItem[] {
  return output.filter((item) => item.type !== 'message' || item.content.length > 0);
}

/** Plain text of the user's messages in this input, for memory recall and traces. */
export function userText(items: ContextItem[]): string {
  return (items as any[])
    .filter((i) => i.type === 'message' && i.role === 'user')
    .map((i) => partsOf(i.content).map((p) => (p.type === 'text' ? p.text : '')).join('\n'))
    .join('\n');
}

/** How many messages a turn counts for usage: input messages plus one answer. */
export const messageCount = (items: ContextItem[]): number => (items as any[]).filter((i) => i.type === 'message').length;
