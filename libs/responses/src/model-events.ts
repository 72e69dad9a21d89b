import type { TokenCounts } from './response-object';

/**
 * What a model stream tells the response sequencer, whatever the provider. A stream ends
 * with exactly one of `completed`, `incomplete` or `failed`. A turn that calls the model
 * several times (hosted tools in between) pushes each call's deltas and one terminal event
 * carrying the summed usage.
 */
export type ModelStreamEvent =
  | { type: 'text_delta'; delta: string }
  | { type: 'function_call_started'; callId: string; name: string }
  | { type: 'function_call_arguments_delta'; callId: string; delta: string }
  /** `arguments`, when given, is the complete final JSON string. */
  | { type: 'function_call_done'; callId: string; arguments?: string }
  | { type: 'completed'; usage?: TokenCounts }
  /** The model stopped early, e.g. reason `max_output_tokens` or `content_filter`. */
  | { type: 'incomplete'; reason: string; usage?: TokenCounts }
  | { type: 'failed'; error: ModelFailure };

export interface ModelFailure {
  /** Stable machine code, e.g. `model_error`, `upstream_timeout`. */
  code: string;
  message: string;
  /** Error category for the stream's `error` event; defaults to `server_error`. */
  type?: string;
}
