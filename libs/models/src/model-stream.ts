// What a model streams back. Turns build SSE events and non-streaming answers from this one
// sequence: deltas as they come, then exactly one `completed` with usage.

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (a subset of inputTokens). */
  cachedTokens?: number;
  /** Output tokens spent on hidden reasoning (a subset of outputTokens). */
  reasoningTokens?: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export type ModelStreamEvent =
  | { type: 'text.delta'; delta: string }
  | { type: 'function_call.started'; callId: string; name: string }
  | { type: 'function_call.arguments.delta'; callId: string; delta: string }
  | { type: 'function_call.done'; callId: string; name: string; arguments: string }
  | { type: 'completed'; usage: ModelUsage; finishReason: FinishReason };

export interface CollectedFunctionCall {
  callId: string;
  name: string;
  arguments: string;
}

/** A whole answer, gathered from a stream. */
export interface CollectedAnswer {
  text: string;
  functionCalls: CollectedFunctionCall[];
  usage: ModelUsage;
  finishReason: FinishReason;
}

export async function collectAnswer(events: AsyncIterable<ModelStreamEvent>): Promise<CollectedAnswer> {
  let text = '';
  const functionCalls: CollectedFunctionCall[] = [];
  for await (const event of events) {
    if (event.type === 'text.delta') text += event.delta;
    else if (event.type === 'function_call.done') {
      functionCalls.push({ callId: event.callId, name: event.name, arguments: event.arguments });
    } else if (event.type === 'completed') {
      return { text, functionCalls, usage: event.usage, finishReason: event.finishReason };
    }
  }
  throw new Error('The model stream ended before it completed');
}

/** A whole answer as the events a stream of it would end with: text, calls, `completed`. */
export async function* answerEvents(answer: Promise<CollectedAnswer>): AsyncGenerator<ModelStreamEvent> {
  const { text, functionCalls, usage, finishReason } = await answer;
  if (text) yield { type: 'text.delta', delta: text };
  for (const call of functionCalls) {
    yield { type: 'function_call.started', callId: call.callId, name: call.name };
    yield { type: 'function_call.done', callId: call.callId, name: call.name, arguments: call.arguments };
  }
  yield { type: 'completed', usage, finishReason };
}

export const totalTokens = (usage: ModelUsage) => usage.inputTokens + usage.outputTokens;
