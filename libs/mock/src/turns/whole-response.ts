import { newId } from '@genaug/kernel';
import type { ModelStreamEvent } from '@genaug/models';
import { buildResponse, incompleteReasonOf, type CreateResponseRequest, type OutputItem, type ResponseObject, type TokenCounts } from '@genaug/responses';

/**
 * The final response of a non-streaming turn, built straight from the model's events with the
 * shared response builder: what ResponseSequencer ends with, without the stream events (and
 * their copies) nobody reads. `whole-response.unit.spec.ts` holds the two to the same result.
 */
export function wholeResponse(
  request: CreateResponseRequest,
  state: { id: string; createdAt: Date; completedAt: Date; metadata: Record<string, string> },
  events: ModelStreamEvent[],
): ResponseObject {
  let text = '';
  const output: OutputItem[] = [];
  let usage: TokenCounts | null = null;
  let incompleteReason: string | null = null;
  for (const e of events) {
    if (e.type === 'text.delta') text += e.delta;
    else if (e.type === 'function_call.done') {
      output.push({ type: 'function_call', id: newId('fc'), call_id: e.callId, name: e.name, arguments: e.arguments, status: 'completed' });
    } else if (e.type === 'completed') {
      usage = e.usage;
      incompleteReason = incompleteReasonOf(e.finishReason);
    }
  }
  // The local model answers with text or with calls, never both; text is the only item a stop can leave open.
  if (text) {
    output.unshift({
      type: 'message',
      id: newId('msg'),
      status: incompleteReason ? 'incomplete' : 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
    });
  }
  return buildResponse(request, {
    id: state.id,
    createdAt: state.createdAt,
    status: incompleteReason ? 'incomplete' : 'completed',
    completedAt: incompleteReason ? null : state.completedAt,
    output,
    usage,
    incompleteReason,
    model: request.model,
    metadata: state.metadata,
  });
}
