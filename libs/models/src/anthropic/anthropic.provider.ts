import Anthropic from '@anthropic-ai/sdk';
import type { StopReason, Usage } from '@anthropic-ai/sdk/resources/messages/messages';
import { UPSTREAM_CLIENT_POLICY, upstreamErrorFrom, type ModelProvider } from '../model-provider';
import type { ModelRequest } from '../model-request';
import type { FinishReason, ModelStreamEvent, ModelUsage } from '../model-stream';
import { messagesRequest } from './anthropic-request';

export interface AnthropicProviderConfig {
  baseUrl: string;
  apiKey?: string;
}

/** The Anthropic Messages API, through the official client. */
export class AnthropicProvider implements ModelProvider {
  private readonly client: Anthropic;

  constructor(config: AnthropicProviderConfig) {
    this.client = new Anthropic({
      baseURL: config.baseUrl,
      apiKey: config.apiKey ?? 'unset',
      ...UPSTREAM_CLIENT_POLICY,
    });
  }

  /** Anthropic's own count (the Messages API's count_tokens), of the request a turn would send. */
  async countInputTokens(model: string, request: ModelRequest, signal: AbortSignal): Promise<number> {
    const { model: _model, messages, system, tools, tool_choice } = messagesRequest(model, request);
    try {
      const counted = await this.client.messages.countTokens({ model, messages, system, tools, tool_choice }, { signal });
      return counted.input_tokens;
    } catch (err) {
      throw upstreamErrorFrom(err, Anthropic);
    }
  }

  async *stream(model: string, request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelStreamEvent> {
    try {
      const events = await this.client.messages.create(messagesRequest(model, request), { signal });
      // Tool inputs arrive as JSON fragments per content block index.
      const calls = new Map<number, { callId: string; name: string; arguments: string }>();
      let usage: ModelUsage = { inputTokens: 0, outputTokens: 0 };
      let finishReason: FinishReason = 'stop';
      for await (const event of events) {
        switch (event.type) {
          case 'message_start':
            usage = usageOf(event.message.usage);
            break;
          case 'content_block_start':
            if (event.content_block.type === 'tool_use') {
              const call = { callId: event.content_block.id, name: event.content_block.name, arguments: '' };
              calls.set(event.index, call);
              yield { type: 'function_call.started', callId: call.callId, name: call.name };
            } else if (event.content_block.type === 'text' && event.content_block.text) {
              yield { type: 'text.delta', delta: event.content_block.text };
            }
            break;
          case 'content_block_delta':
            if (event.delta.type === 'text_delta') yield { type: 'text.delta', delta: event.delta.text };
            else if (event.delta.type === 'input_json_delta') {
              const call = calls.get(event.index);
              if (call && event.delta.partial_json) {
                call.arguments += event.delta.partial_json;
                yield { type: 'function_call.arguments.delta', callId: call.callId, delta: event.delta.partial_json };
              }
            }
            break;
          case 'content_block_stop': {
            const call = calls.get(event.index);
            if (call) {
              // A tool that takes no input streams no JSON at all.
              yield { type: 'function_call.done', callId: call.callId, name: call.name, arguments: call.arguments || '{}' };
            }
            break;
          }
          case 'message_delta':
            // Usage in message_delta is cumulative; input counts appear here on some servers only.
            usage = {
              ...usage,
              outputTokens: event.usage.output_tokens,
              ...(event.usage.input_tokens != null ? inputOf(event.usage) : {}),
            };
            if (event.delta.stop_reason) finishReason = finishReasonOf(event.delta.stop_reason);
            break;
        }
      }
      yield { type: 'completed', usage, finishReason };
    } catch (err) {
      throw upstreamErrorFrom(err, Anthropic);
    }
  }
}

type InputCounts = Pick<Usage, 'cache_creation_input_tokens' | 'cache_read_input_tokens'> & { input_tokens: number | null };

// Anthropic counts cached and cache-writing input apart from input_tokens; we count them in.
function inputOf(usage: InputCounts): Pick<ModelUsage, 'inputTokens' | 'cachedTokens'> {
  const cached = usage.cache_read_input_tokens ?? 0;
  const inputTokens = (usage.input_tokens ?? 0) + cached + (usage.cache_creation_input_tokens ?? 0);
  return cached ? { inputTokens, cachedTokens: cached } : { inputTokens };
}

function usageOf(usage: Usage): ModelUsage {
  return { ...inputOf(usage), outputTokens: usage.output_tokens };
}

function finishReasonOf(reason: StopReason): FinishReason {
  if (reason === 'max_tokens') return 'length';
  if (reason === 'tool_use') return 'tool_calls';
  if (reason === 'refusal') return 'content_filter';
  return 'stop';
}
