import type { ModelRequest } from './model-request';
import type { CollectedAnswer, ModelStreamEvent } from './model-stream';
import { upstreamFetch } from './upstream-fetch';

/** One kind of model service: the deterministic local model or an upstream protocol. */
export interface ModelProvider {
  /**
   * Streams one model's answer. Ends with a `completed` event; throws an UpstreamError when
   * the upstream refuses or fails. `signal` aborts the call (caller gone, or timed out).
   */
  stream(model: string, request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelStreamEvent>;
  /**
   * The whole answer in one response, for a caller that would only gather the stream: one
   * JSON body costs the upstream, the network and us much less than a chunk per token.
   * Optional: the router streams from providers without it.
   */
  answer?(model: string, request: ModelRequest, signal: AbortSignal): Promise<CollectedAnswer>;
  /** How many input tokens the model would read for `request` (POST /v1/responses/input_tokens). */
  countInputTokens(model: string, request: ModelRequest, signal: AbortSignal): Promise<number>;
}

/**
 * - rate_limited, server_error, connection: worth retrying the same model after a pause.
 * - rejected: the upstream said no (bad key, bad request, unknown model); retrying won't help.
 * - timeout: no answer in time; the next model is a better bet than waiting again.
 */
export type UpstreamFailure = 'rate_limited' | 'server_error' | 'connection' | 'rejected' | 'timeout';

export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
    readonly status?: number,
    /** The upstream's Retry-After, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }

  get retryable(): boolean {
    return this.failure === 'rate_limited' || this.failure === 'server_error' || this.failure === 'connection';
  }

  /** Classifies an HTTP error status from an upstream. */
  static fromStatus(status: number, message: string, headers?: Headers): UpstreamError {
    const failure: UpstreamFailure =
      status === 429 ? 'rate_limited' : status >= 500 || status === 408 || status === 409 ? 'server_error' : 'rejected';
    return new UpstreamError(failure, message, status, retryAfterMs(headers));
  }
}

function retryAfterMs(headers?: Headers): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The shape both official SDKs give their API errors. */
interface SdkApiError {
  status?: number;
  headers?: Headers;
  message: string;
}

/**
 * Turns an error thrown by the openai or anthropic client into an UpstreamError. Both clients
 * share one error design: APIError with a status for HTTP failures, APIConnectionError without
 * one for network failures, APIUserAbortError when our signal aborted.
 */
export function upstreamErrorFrom(
  err: unknown,
  sdk: { APIError: abstract new (...args: never[]) => SdkApiError; APIUserAbortError: abstract new (...args: never[]) => unknown },
): unknown {
  if (err instanceof UpstreamError) return err;
  // Aborts belong to whoever aborted (the router's timeout or the caller); pass them on.
  if (err instanceof sdk.APIUserAbortError) return err;
  if (err instanceof sdk.APIError) {
    if (typeof err.status === 'number') return UpstreamError.fromStatus(err.status, err.message, err.headers);
    return new UpstreamError('connection', err.message);
  }
  // Errors raised while reading a stream (socket closed mid-answer) are connection failures.
  return new UpstreamError('connection', errorMessage(err));
}

/** An error's message; fetch errors may come from another realm, so no instanceof Error. */
export function errorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return String(err);
}

/**
 * Options every upstream client is built with: the router owns retries and timeouts, so one
 * policy applies to every provider (the client's own timeout only catches what the router misses);
 * requests go through `upstreamFetch`.
 */
export const UPSTREAM_CLIENT_POLICY = { maxRetries: 0, timeout: 10 * 60_000, fetch: upstreamFetch } as const;
