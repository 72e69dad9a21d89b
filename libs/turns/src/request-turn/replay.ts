import { ResponseSequencer, type CreateResponseRequest, type ResponseObject, type ResponseStreamEvent } from '@genaug/responses';

/**
 * The stream of a response that already finished (an idempotent retry with stream: true):
 * the same events a live turn produces, with the stored item ids.
 */
export function* replayStream(request: CreateResponseRequest, response: ResponseObject): Generator<ResponseStreamEvent> {
  const ids = response.output.map((item) => item.id);
  let next = 0;
  const seq = new ResponseSequencer({ request, responseId: response.id, model: response.model, metadata: response.metadata ?? {}, itemId: () => ids[next++] });
  yield* seq.start();
  for (const item of response.output) {
    if (item.type === 'message') for (const part of item.content) yield* seq.push({ type: 'text.delta', delta: part.text });
    else if (item.type === 'function_call') {
      yield* seq.push({ type: 'function_call.started', callId: item.call_id, name: item.name });
      yield* seq.push({ type: 'function_call.done', callId: item.call_id, name: item.name, arguments: item.arguments });
    }
  }
  const usage = response.usage;
  const counts = usage
    ? {
        inputTokens: usage.input_tokens,
        outputTokens: usage.output_tokens,
        cachedTokens: usage.input_tokens_details.cached_tokens,
        reasoningTokens: usage.output_tokens_details.reasoning_tokens,
      }
    : undefined;
  if (response.status === 'cancelled') {
    yield* seq.cancel();
  } else if (response.status === 'failed') {
    yield* seq.push({ type: 'failed', error: { code: response.error?.code ?? 'server_error', message: response.error?.message ?? 'failed' } });
  } else {
    yield* seq.push({
      type: 'completed',
      usage: counts,
      finishReason: response.status === 'incomplete' && response.incomplete_details?.reason === 'max_output_tokens' ? 'length' : 'stop',
    });
  }
}
