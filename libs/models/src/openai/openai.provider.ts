import OpenAI from 'openai';
import { UPSTREAM_CLIENT_POLICY, upstreamErrorFrom, type ModelProvider } from '../model-provider';
import type { ModelRequest } from '../model-request';
import type { CollectedAnswer, FinishReason, ModelStreamEvent, ModelUsage } from '../model-stream';
import { chatCompletionRequest } from './openai-request';
import { countChatCompletionInput } from './openai-token-count';

export interface OpenAIProviderConfig {
  baseUrl: string;
  apiKey?: string;
}

/** Any OpenAI-compatible Chat Completions endpoint, through the official client. */
export class OpenAIProvider implements ModelProvider {
  private readonly client: OpenAI;

  constructor(config: OpenAIProviderConfig) {
    this.client = new OpenAI({
      baseURL: config.baseUrl,
      // Self-hosted compatible servers often need no key; the client insists on one.
      apiKey: config.apiKey ?? 'unset',
      ...UPSTREAM_CLIENT_POLICY,
    });
  }

  /** Counted here: the Chat Completions API cannot count without answering (see openai-token-count). */
  async countInputTokens(model: string, request: ModelRequest): Promise<number> {
    return countChatCompletionInput(chatCompletionRequest(model, request));
  }

  async *stream(model: string, request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelStreamEvent> {
    try {
      const chunks = await this.client.chat.completions.create(
        { ...chatCompletionRequest(model, request), stream: true, stream_options: { include_usage: true } },
        { signal },
      );
      const calls = new Map<number, { callId: string; name: string; arguments: string }>();
      let finishReason: FinishReason = 'stop';
      let usage: ModelUsage = { inputTokens: 0, outputTokens: 0 };
      for await (const chunk of chunks) {
        if (chunk.usage) usage = usageOf(chunk.usage);
        const choice = chunk.choices[0];
        if (!choice) continue;
        const delta = choice.delta ?? {};
        if (delta.content) yield { type: 'text.delta', delta: delta.content };
        if (delta.refusal) yield { type: 'text.delta', delta: delta.refusal };
        for (const part of delta.tool_calls ?? []) {
          let call = calls.get(part.index);
          if (!call) {
            call = { callId: part.id ?? `call_${part.index}`, name: part.function?.name ?? '', arguments: '' };
            calls.set(part.index, call);
            yield { type: 'function_call.started', callId: call.callId, name: call.name };
          }
          const args = part.function?.arguments;
          if (args) {
            call.arguments += args;
            yield { type: 'function_call.arguments.delta', callId: call.callId, delta: args };
          }
        }
        if (choice.finish_reason) finishReason = finishReasonOf(choice.finish_reason);
      }
      for (const call of [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c)) {
        yield { type: 'function_call.done', callId: call.callId, name: call.name, arguments: call.arguments };
      }
      yield { type: 'completed', usage, finishReason: withCalls(finishReason, calls.size) };
    } catch (err) {
      throw upstreamErrorFrom(err, OpenAI);
    }
  }

  async answer(model: string, request: ModelRequest, signal: AbortSignal): Promise<CollectedAnswer> {
    try {
      const completion = await this.client.chat.completions.create(chatCompletionRequest(model, request), { signal });
      const choice = completion.choices[0];
      const message = choice?.message;
      const functionCalls = (message?.tool_calls ?? []).flatMap((call) =>
        call.type === 'function' ? [{ callId: call.id, name: call.function.name, arguments: call.function.arguments }] : [],
      );
      return {
        // A refusal is the answer's text, as when it streams.
        text: (message?.content ?? '') + (message?.refusal ?? ''),
        functionCalls,
        usage: completion.usage ? usageOf(completion.usage) : { inputTokens: 0, outputTokens: 0 },
        finishReason: withCalls(choice?.finish_reason ? finishReasonOf(choice.finish_reason) : 'stop', functionCalls.length),
      };
    } catch (err) {
      throw upstreamErrorFrom(err, OpenAI);
    }
  }
}

// Some compatible servers end tool calls with "stop"; what matters is that calls were made.
const withCalls = (reason: FinishReason, calls: number): FinishReason => (calls > 0 && reason === 'stop' ? 'tool_calls' : reason);

function usageOf(usage: OpenAI.CompletionUsage): ModelUsage {
  const out: ModelUsage = { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (cached) out.cachedTokens = cached;
  if (reasoning) out.reasoningTokens = reasoning;
  return out;
}

function finishReasonOf(reason: string): FinishReason {
  if (reason === 'length') return 'length';
  if (reason === 'tool_calls' || reason === 'function_call') return 'tool_calls';
  if (reason === 'content_filter') return 'content_filter';
  return 'stop';
}
