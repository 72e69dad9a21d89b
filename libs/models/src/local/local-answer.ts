import { createHash } from 'node:crypto';
import { contentText, toolsOffered, type FunctionTool, type ModelRequest } from '../model-request';
import { fillFromSchema } from './schema-filler';
import { estimateTokens } from './token-estimate';

// What the local model says, decided from the request alone: the same request always gets the
// same answer, so tests, demos and the mock server can assert on it.

export type LocalAnswer =
  | { kind: 'text'; text: string; truncated: boolean }
  | { kind: 'function_call'; callId: string; name: string; arguments: string };

const EXCERPT_WORDS = 40;

export function localAnswer(model: string, request: ModelRequest): LocalAnswer {
  if (request.purpose === 'compaction') return limit(summaryText(request), request.maxOutputTokens);
  const tool = chosenTool(request);
  const source = sourceText(request);
  if (tool) {
    const args = JSON.stringify(fillFromSchema(tool.parameters, source));
    return { kind: 'function_call', callId: callIdFor(model, request, tool.name), name: tool.name, arguments: args };
  }
  const format = request.textFormat;
  // Structured output is never cut short: a truncated JSON document would be useless.
  if (format?.type === 'json_schema') return { kind: 'text', text: JSON.stringify(fillFromSchema(format.schema, source)), truncated: false };
  if (format?.type === 'json_object') return { kind: 'text', text: JSON.stringify({ reply: replyText(request) }), truncated: false };
  return limit(replyText(request), request.maxOutputTokens);
}

/** The tool the local model calls: the one named, else the best match for the user's words. */
function chosenTool(request: ModelRequest): FunctionTool | undefined {
  if (!toolsOffered(request)) return undefined;
  // Having just received a tool's output, the model answers instead of calling again.
  if (request.messages.at(-1)?.type === 'function_call_output') return undefined;
  const tools = request.tools ?? [];
  const choice = request.toolChoice ?? 'auto';
  if (typeof choice === 'object') return tools.find((tool) => tool.name === choice.name);
  const words = new Set(wordsOf(lastUserText(request) ?? ''));
  let best = tools[0];
  let bestScore = -1;
  for (const tool of tools) {
    const score = wordsOf(`${tool.name} ${tool.description ?? ''}`).filter((w) => words.has(w)).length;
    if (score > bestScore) [best, bestScore] = [tool, score];
  }
  return best;
}

function replyText(request: ModelRequest): string {
  const last = request.messages.at(-1);
  if (last?.type === 'function_call_output') {
    const call = request.messages.find((m) => m.type === 'function_call' && m.callId === last.callId);
    const name = call?.type === 'function_call' ? call.name : 'tool';
    return `The ${name} tool returned: ${excerpt(last.output)}`;
  }
  const said = lastUserText(request);
  return said ? `You said: ${excerpt(said)}` : 'How can I help?';
}

/**
 * A compaction's summary: one line per message of the conversation, in order (the request's
 * own last message, which asks for the summary, and system messages left out).
 */
function summaryText(request: ModelRequest): string {
  const lines: string[] = [];
  for (const message of request.messages.slice(0, -1)) {
    if (message.type === 'message' && message.role !== 'system') lines.push(`${message.role}: ${excerpt(contentText(message.content))}`);
    else if (message.type === 'function_call') lines.push(`called ${message.name}(${excerpt(message.arguments)})`);
    else if (message.type === 'function_call_output') lines.push(`tool returned: ${excerpt(message.output)}`);
  }
  return lines.length ? `Summary of the conversation so far:\n${lines.join('\n')}` : 'Nothing was said yet.';
}

/** The text structured output and tool arguments are filled from. */
function sourceText(request: ModelRequest): string {
  const last = request.messages.at(-1);
  if (last?.type === 'function_call_output') return last.output;
  return lastUserText(request) ?? '';
}

function lastUserText(request: ModelRequest): string | undefined {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message.type === 'message' && message.role === 'user') return contentText(message.content).trim();
  }
  return undefined;
}

function excerpt(text: string): string {
  const words = text.trim().split(/\s+/);
  return words.length <= EXCERPT_WORDS ? text.trim() : `${words.slice(0, EXCERPT_WORDS).join(' ')}…`;
}

function limit(text: string, maxOutputTokens: number | undefined): LocalAnswer {
  if (maxOutputTokens === undefined || estimateTokens(text) <= maxOutputTokens) return { kind: 'text', text, truncated: false };
  return { kind: 'text', text: text.slice(0, maxOutputTokens * 4), truncated: true };
}

function wordsOf(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 2);
}

function callIdFor(model: string, request: ModelRequest, name: string): string {
  const digest = createHash('sha256').update(JSON.stringify([model, name, request.messages])).digest('hex');
  return `call_${digest.slice(0, 24)}`;
}
