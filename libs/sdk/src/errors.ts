// One error type for everything the API (or the way to it) refuses. Switch on `reason`,
// never on the message: reasons are stable, messages are for people.

export interface RateLimitInfo {
  /** X-RateLimit-Limit */
  limit: number | null;
  /** X-RateLimit-Remaining */
  remaining: number | null;
  /** X-RateLimit-Reset (as the API sends it: seconds until reset or an epoch) */
  reset: number | null;
}

export interface GeneralAugmentAPIErrorInit {
  status: number;
  message: string;
  reason?: string | null;
  code?: string | null;
  type?: string | null;
  param?: string | null;
  retryAfter?: number | null;
  rateLimit?: RateLimitInfo;
  requestId?: string | null;
  traceId?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class GeneralAugmentAPIError extends Error {
  /** HTTP status; 0 when no response arrived (timeout, connection failure). */
  readonly status: number;
  /** Stable machine reason, e.g. `rate_limited`, `budget_exceeded`, `request_timeout`. */
  readonly reason: string | null;
  readonly code: string | null;
  readonly type: string | null;
  readonly param: string | null;
  /** Seconds to wait before retrying, from Retry-After. */
  readonly retryAfter: number | null;
  readonly rateLimit: RateLimitInfo;
  readonly requestId: string | null;
  readonly traceId: string | null;
  /** The decoded response body (JSON when it was JSON, else text). */
  readonly body: unknown;
  readonly headers: Record<string, string>;

  constructor(init: GeneralAugmentAPIErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'GeneralAugmentAPIError';
    this.status = init.status;
    this.reason = init.reason ?? init.code ?? null;
    this.code = init.code ?? init.reason ?? null;
    this.type = init.type ?? null;
    this.param = init.param ?? null;
    this.retryAfter = init.retryAfter ?? null;
    this.rateLimit = init.rateLimit ?? { limit: null, remaining: null, reset: null };
    this.requestId = init.requestId ?? null;
    this.traceId = init.traceId ?? null;
    this.body = init.body ?? null;
    this.headers = init.headers ?? {};
  }
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | null => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null);
const asString = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

function firstString(...values: unknown[]): string | null {
  for (const value of values) {
    const s = asString(value);
    if (s) return s;
  }
  return null;
}

function toNumber(value: string | null | undefined): number | null {
  if (value == null || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Retry-After as seconds: either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  const seconds = toNumber(value);
  if (seconds !== null) return Math.max(0, seconds);
  if (!value) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The trace id inside a W3C traceparent header (`00-<trace id>-<span id>-<flags>`). */
function traceIdOf(traceparent: string | undefined): string | null {
  const parts = traceparent?.split('-');
  return parts && parts.length >= 4 && /^[0-9a-f]{32}$/.test(parts[1]) ? parts[1] : null;
}

/** Builds the error from a refused HTTP response's status, headers and decoded body. */
export function apiErrorFrom(status: number, headers: Record<string, string>, body: unknown): GeneralAugmentAPIError {
  const root = asObject(body) ?? {};
  const error = asObject(root.error) ?? {};
  const detail = asObject(root.detail) ?? {};
  const metadata = asObject(root.metadata) ?? {};
  const reason = firstString(root.reason, detail.reason, error.code, root.code);
  const message =
    firstString(error.message, root.message, typeof root.detail === 'string' ? root.detail : null, typeof root.error === 'string' ? root.error : null) ??
    (typeof body === 'string' && body.trim() ? body.trim().slice(0, 500) : `HTTP ${status}`);
  return new GeneralAugmentAPIError({
    status,
    message,
    reason,
    code: firstString(error.code, root.code, reason),
    type: firstString(error.type, root.type),
    param: firstString(error.param, root.param),
    retryAfter: parseRetryAfter(headers['retry-after']) ?? (typeof root.retry_after === 'number' ? root.retry_after : null),
    rateLimit: {
      limit: toNumber(headers['x-ratelimit-limit']),
      remaining: toNumber(headers['x-ratelimit-remaining']),
      reset: toNumber(headers['x-ratelimit-reset']),
    },
    requestId: firstString(headers['x-request-id'], root.request_id, error.request_id, metadata.general_augment_request_id, metadata.request_id),
    traceId: firstString(
      headers['x-trace-id'],
      root.trace_id,
      error.trace_id,
      metadata.general_augment_trace_id,
      metadata.trace_id,
      traceIdOf(headers['traceparent']),
    ),
    body,
    headers,
  });
}

export function timeoutError(timeoutMs: number, requestId: string | null): GeneralAugmentAPIError {
  return new GeneralAugmentAPIError({
    status: 0,
    message: `The request timed out after ${timeoutMs} ms`,
    reason: 'request_timeout',
    code: 'request_timeout',
    type: 'timeout_error',
    requestId,
  });
}

export function connectionError(cause: unknown, requestId: string | null): GeneralAugmentAPIError {
  return new GeneralAugmentAPIError({
    status: 0,
    message: `Could not reach the General Augment API: ${cause instanceof Error ? cause.message : String(cause)}`,
    reason: 'connection_error',
    code: 'connection_error',
    type: 'connection_error',
    requestId,
    cause,
  });
}
