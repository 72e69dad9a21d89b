import { contentParts, type ModelRequest } from '../model-request';

// About four characters per token for English text: deterministic and close enough to make
// usage, limits and cost behave like they would with a real model.
const CHARS_PER_TOKEN = 4;
// What OpenAI charges for a low-detail image; any fixed figure keeps usage deterministic.
const IMAGE_TOKENS = 85;
const FILE_TOKENS = 256;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function estimateInputTokens(request: ModelRequest): number {
  let tokens = 0;
  for (const message of request.messages) {
    if (message.type === 'function_call') tokens += estimateTokens(message.name + message.arguments);
    else if (message.type === 'function_call_output') tokens += estimateTokens(message.output);
    else {
      for (const part of contentParts(message.content)) {
        tokens += part.type === 'text' ? estimateTokens(part.text) : part.type === 'image' ? IMAGE_TOKENS : FILE_TOKENS;
      }
    }
  }
  if (request.tools?.length) tokens += estimateTokens(JSON.stringify(request.tools));
  if (request.textFormat?.type === 'json_schema') tokens += estimateTokens(JSON.stringify(request.textFormat.schema));
  return tokens;
}
