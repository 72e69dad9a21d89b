import { AppError } from '@genaug/kernel';

/** A GCRA bucket: `limit` requests per `periodMs`, all of them at once if they come at once. */
export interface Bucket {
  limit: number;
  periodMs: number;
}

export const intervalOf = (b: Bucket) => b.periodMs / b.limit;

/** What a bucket says after a request, in the terms of the X-RateLimit-* headers and Retry-After. */
export interface BucketState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one more request fits (0 when this one was allowed). */
  retryAfterSeconds: number;
}

/** Reads the bucket's theoretical arrival time (ms) after a take at `nowMs`. */
export function bucketState(bucket: Bucket, allowed: boolean, tatMs: number, nowMs: number): BucketState {
  const interval = intervalOf(bucket);
  const resetSeconds = Math.max(0, Math.ceil((tatMs - nowMs) / 1000));
  if (allowed) {
    const remaining = Math.max(0, Math.floor((nowMs + bucket.periodMs - tatMs) / interval + 1e-9));
    return { allowed, limit: bucket.limit, remaining, resetSeconds, retryAfterSeconds: 0 };
  }
  // Rounded up to whole seconds: a client that waits exactly Retry-After finds room.
  const retryAfterSeconds = Math.max(1, Math.ceil((tatMs - bucket.periodMs + interval - nowMs) / 1000));
  return { allowed, limit: bucket.limit, remaining: 0, resetSeconds, retryAfterSeconds };
}

export function rateLimitHeaders(state: BucketState): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(state.limit),
    'X-RateLimit-Remaining': String(state.remaining),
    'X-RateLimit-Reset': String(state.resetSeconds),
  };
}

/** 429 for an API key over its requests per minute. */
export function keyRateLimited(state: BucketState, now: Date): AppError {
  return new AppError(
    429,
    'rate_limit_exceeded',
    `This API key is limited to ${state.limit} requests per minute; retry after ${state.retryAfterSeconds} s`,
    {
      headers: { 'Retry-After': String(state.retryAfterSeconds) },
      details: {
        limit: {
          type: 'requests_per_minute',
          scope: 'api_key',
          limit: state.limit,
          period: 'minute',
          retry_after_seconds: state.retryAfterSeconds,
          resets_at: new Date(now.getTime() + state.retryAfterSeconds * 1000).toISOString(),
        },
      },
    },
  );
}

/** 429 for an app user over the burst limit. */
export function userRateLimited(limit: number, windowSeconds: number, retryAfterSeconds: number, now: Date): AppError {
  return new AppError(
    429,
    'user_rate_limit_exceeded',
    `This user may start ${limit} turns per ${windowSeconds} s; retry after ${retryAfterSeconds} s`,
    {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      details: {
        limit: {
          type: 'user_burst',
          scope: 'user',
          limit,
          window_seconds: windowSeconds,
          retry_after_seconds: retryAfterSeconds,
          resets_at: new Date(now.getTime() + retryAfterSeconds * 1000).toISOString(),
        },
      },
    },
  );
}
