import {
  ResponseSequencer,
  type CreateResponseRequest,
  type ModelStreamEvent,
  type OutputItem,
  type ResponseObject,
  type ResponseStreamEvent,
  type StreamStep,
} from '@genaug/responses';

/**
 * The stream of a response that already finished (an idempotent retry with stream: true, or a
 * resumed stream): the same events a live turn produces, with the stored item ids. With the
 * steps its output streamed in, every event has the number it had live.
 */
export function* replayStream(request: CreateResponseRequest, response: ResponseObject, steps?: readonly StreamStep[]): Generator<ResponseStreamEvent> {
  const ids = response.output.map((item) => item.id);
  let next = 0;
  // Its times are the stored ones: created then, completed (the one time the sequencer reads) then.
  const completedAt = new Date((response.completed_at ?? response.created_at) * 1000);
  const seq = new ResponseSequencer({
    request,
    responseId: response.id,
    createdAt: new Date(response.created_at * 1000),
    clock: { now: () => completedAt },
    model: response.model,
    metadata: response.metadata ?? {},
    itemId: () => ids[next++],
  });
  yield* seq.start();
  for (const event of steps ? steppedOutput(response.output, steps) : wholeOutput(response.output)) yield* seq.push(event);
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
    const reason = response.incomplete_details?.reason;
    yield* seq.push({ type: 'completed', usage: counts, ...(reason ? { incompleteReason: reason } : {}) });
  }
}

/** Each item of the output whole: one text delta per message, one call per function call. */
function* wholeOutput(output: readonly OutputItem[]): Generator<ModelStreamEvent> {
  for (const item of output) {
    if (item.type === 'message') for (const part of item.content) yield { type: 'text.delta', delta: part.text };
    else if (item.type === 'function_call') {
      yield { type: 'function_call.started', callId: item.call_id, name: item.name };
      yield { type: 'function_call.done', callId: item.call_id, name: item.name, arguments: item.arguments };
    }
  }
}

/** The output as it streamed live: its deltas cut from the stored text at the recorded lengths. */
function* steppedOutput(output: readonly OutputItem[], steps: readonly StreamStep[]): Generator<ModelStreamEvent> {
  const told = new Map<number, number>();
  for (const step of steps) {
    const item = output[step[1]];
    if (!item) return;
    if (step[0] === 'd') {
      const from = told.get(step[1]) ?? 0;
      told.set(step[1], from + step[2]);
      if (item.type === 'message') yield { type: 'text.delta', delta: item.content[0]?.text.slice(from, from + step[2]) ?? '' };
      else if (item.type === 'function_call') yield { type: 'function_call.arguments.delta', callId: item.call_id, delta: item.arguments.slice(from, from + step[2]) };
    } else if (item.type === 'function_call') {
      yield step[0] === 'o'
        ? { type: 'function_call.started', callId: item.call_id, name: item.name }
        : { type: 'function_call.done', callId: item.call_id, name: item.name, arguments: item.arguments };
    }
  }
}

/**
 * The events of a told-again stream after sequence number `after`. A failed or cancelled
 * response keeps no output, so its stream is told shorter than it streamed live: where the client
 * resumes past its end, the ending events (error, response.failed) follow `after` directly, so
 * the client always learns how the response ended.
 */
export function* streamAfter(events: Iterable<ResponseStreamEvent>, after: number): Generator<ResponseStreamEvent> {
  const all = [...events];
  const rest = all.filter((e) => e.sequence_number > after);
  const last = all.length - 1;
  if (rest.length || all[last]?.type !== 'response.failed') return yield* rest;
  let n = after;
  for (const e of all.slice(last - 1)) yield { ...e, sequence_number: ++n };
}
