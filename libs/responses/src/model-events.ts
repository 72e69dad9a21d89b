import type { TokenCounts } from './response-object';

/**
 * What a model stream tells the response sequencer. The names and fields are those of the
 * model providers' stream (libs/models), so a provider stream feeds the sequencer as is;
 * `failed` is added for failures reported rather than thrown.
 *
 * A stream ends with one `completed` or `failed`. A turn that calls the model several times
 * (hosted tools in between) pushes each call's deltas and one final `completed` with the
 * summed usage.
 */
export type ModelStreamEvent =
  | { type: 'text.delta'; delta: string }
  | { type: 'function_call.started'; callId: string; name: string }
  | { type: 'function_call.arguments.delta'; callId: string; delta: string }
  /** `arguments`, when given, is the complete final JSON string. */
  | { type: 'function_call.done'; callId: string; name?: string; arguments?: string }
  /** `length` and `content_filter` end the response as incomplete. */
  | {
      type: 'completed';
      usage?: TokenCounts;
      finishReason?: FinishReason;
      /** Ends the response incomplete for a reason of the server's own (e.g. structured output that never validated). */
      incompleteReason?: string;
    }
  | { type: 'failed'; error: ModelFailure };

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ModelFailure {
  /** Stable machine code, e.g. `model_error`, `upstream_timeout`. */
  code: string;
  message: string;
  /** Error category for the stream's `error` event; defaults to `server_error`. */
  type?: string;
}

/** Why a response stopped short, in the specification's `incomplete_details.reason` words. */
export function incompleteReasonOf(finishReason: FinishReason | undefined): string | null {
  if (finishReason === 'length') return 'max_output_tokens';
  if (finishReason === 'content_filter') return 'content_filter';
  return null;
}
