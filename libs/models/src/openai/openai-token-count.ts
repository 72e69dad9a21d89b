import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

// An OpenAI-compatible endpoint has no way to count a prompt's tokens without answering it, so
// the count is made here, with OpenAI's own tokenizer (o200k_base: GPT-4o and every model since)
// and the framing OpenAI documents for messages and function definitions. For another family's
// model behind a compatible endpoint (Llama on vLLM, Mistral on Ollama…) it is an estimate.

/** What OpenAI counts for an image at low detail; the size of one sent at high detail is not known here. */
const IMAGE_TOKENS = 85;

type Tokenizer = typeof import('gpt-tokenizer/cjs/model/gpt-4o');
let tokenizer: Tokenizer | null = null;
// Loaded on the first count: its tables take memory and a moment, and most servers never count.
const load = (): Tokenizer => (tokenizer ??= require('gpt-tokenizer/cjs/model/gpt-4o') as Tokenizer);

/** The input tokens of a Chat Completions request, as OpenAI would count them. */
export function countChatCompletionInput(params: ChatCompletionCreateParamsNonStreaming): number {
  const { countChatCompletionTokens, countTokens } = load();
  let images = 0;
  const messages = params.messages.map((message) => {
    let content = '';
    if (typeof message.content === 'string') content = message.content;
    else if (Array.isArray(message.content)) {
      for (const part of message.content as Array<{ type: string; text?: string; file?: { file_data?: string } }>) {
        if (part.type === 'text') content += part.text ?? '';
        else if (part.type === 'image_url') images++;
        else if (part.type === 'file') content += part.file?.file_data ?? '';
      }
    }
    // Calls the assistant made are read as their JSON.
    if (message.role === 'assistant' && message.tool_calls?.length) content += JSON.stringify(message.tool_calls.map((c) => ('function' in c ? c.function : c)));
    return { role: message.role === 'tool' ? 'tool' : message.role, content };
  });
  const functions = (params.tools ?? []).flatMap((tool) =>
    tool.type === 'function' ? [{ name: tool.function.name, description: tool.function.description, parameters: tool.function.parameters as never }] : [],
  );
  const format = params.response_format;
  const schema = format?.type === 'json_schema' ? countTokens(JSON.stringify(format.json_schema.schema ?? {})) : 0;
  return countChatCompletionTokens!({ messages, ...(functions.length ? { functions } : {}) }) + images * IMAGE_TOKENS + schema;
}
