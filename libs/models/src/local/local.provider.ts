import type { ModelProvider } from '../model-provider';
import type { ModelRequest } from '../model-request';
import type { ModelStreamEvent } from '../model-stream';
import { localAnswer } from './local-answer';
import { estimateInputTokens, estimateTokens } from './token-estimate';

/**
 * The default model: no network, no key, deterministic. It streams its answer in several
 * deltas and reports usage like an upstream would, so everything downstream (SSE, usage,
 * budgets, cost) works the same with it as with a real model.
 */
export class LocalProvider implements ModelProvider {
  /** Exactly what its answer reports as `input_tokens`. */
  async countInputTokens(_model: string, request: ModelRequest): Promise<number> {
    return estimateInputTokens(request);
  }

  async *stream(model: string, request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelStreamEvent> {
    const answer = localAnswer(model, request);
    const inputTokens = estimateInputTokens(request);
    if (answer.kind === 'function_call') {
      yield { type: 'function_call.started', callId: answer.callId, name: answer.name };
      for (const delta of chunks(answer.arguments, 16)) {
        signal.throwIfAborted();
        yield { type: 'function_call.arguments.delta', callId: answer.callId, delta };
      }
      yield { type: 'function_call.done', callId: answer.callId, name: answer.name, arguments: answer.arguments };
      const usage = { inputTokens, outputTokens: estimateTokens(answer.name + answer.arguments) };
      yield { type: 'completed', usage, finishReason: 'tool_calls' };
      return;
    }
    for (const delta of wordChunks(answer.text)) {
      signal.throwIfAborted();
      yield { type: 'text.delta', delta };
    }
    const usage = { inputTokens, outputTokens: estimateTokens(answer.text) };
    yield { type: 'completed', usage, finishReason: answer.truncated ? 'length' : 'stop' };
  }
}

/** Three words per delta, so even short answers arrive in several pieces. */
function wordChunks(text: string): string[] {
  const words = text.match(/\s*\S+/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 3) out.push(words.slice(i, i + 3).join(''));
  const rest = text.slice(out.join('').length);
  if (rest) out.push(rest);
  return out;
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [text];
}
