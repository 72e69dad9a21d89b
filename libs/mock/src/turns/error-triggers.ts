import { governanceOf, keyRateLimited, projectDay, rateLimitHeaders as bucketHeaders, refusalError, type BucketState, type Refusal } from '@genaug/governance';
import { AppError } from '@genaug/kernel';

// Errors (and a held turn) on demand, so app tests can exercise their 402/429, upstream-failure and cancel handling:
// send `"user": "mock:<reason>"` on POST /v1/responses. The trigger rides on the user id
// because that is the one value an app test controls end to end, through the app's own routes.
// Reasons, messages, headers and `limit` details are those of the real server's governance.

export const MOCK_USER_PREFIX = 'mock:';

// The real server's default limits: the refusals report them as the limits that were hit.
const LIMITS = governanceOf({ timezone: 'UTC' });
const RETRY_AFTER_SECONDS = 1;

/** A request-per-minute bucket as the real limiter reports it: full, or refusing for a second. */
function keyBucket(allowed: boolean): BucketState {
  const limit = LIMITS.requests_per_minute;
  return allowed
    ? { allowed, limit, remaining: limit - 1, resetSeconds: 1, retryAfterSeconds: 0 }
    : { allowed, limit, remaining: 0, resetSeconds: 60, retryAfterSeconds: RETRY_AFTER_SECONDS };
}

/** What the real usage ledger says when it refuses a turn for `reason`. */
function refusal(reason: Refusal['reason'], request: { user?: string | null; metadata?: Record<string, string> | null }, now: Date): Refusal {
  const day = projectDay(now, 'UTC');
  const base = { reason, period: day, reserved: 0, retryAfterMs: RETRY_AFTER_SECONDS * 1000 };
  switch (reason) {
    case 'daily_turn_limit_reached':
      return { ...base, scope: 'project', subject: 'mock', limit: LIMITS.agent_turns_per_day ?? 0, used: LIMITS.agent_turns_per_day ?? 0 };
    case 'user_budget_exceeded':
      return { ...base, scope: 'user', subject: request.user ?? '', limit: 1, used: 1 };
    case 'feature_budget_exceeded':
      return { ...base, scope: 'feature', subject: request.metadata?.feature ?? 'none', limit: 1, used: 1 };
    default:
      return { ...base, scope: 'project', subject: 'mock', limit: 1, used: 1 };
  }
}

/** Refusals a real server answers before any model call, by their reasons, built by its own governance code. */
const LIMIT_REASONS = [
  'rate_limit_exceeded',
  'user_rate_limit_exceeded',
  'daily_turn_limit_reached',
  'project_budget_exceeded',
  'user_budget_exceeded',
  'feature_budget_exceeded',
] as const;
type LimitTrigger = (typeof LIMIT_REASONS)[number];

/** Turns whose every model failed: the response is recorded as failed and answered 502/504. */
export const FAILURE_TRIGGERS = {
  upstream_error: { status: 502, message: 'local/local-balanced failed: the model provider answered 500' },
  upstream_timeout: { status: 504, message: 'local/local-balanced did not answer in time' },
} as const;

export type FailureTrigger = keyof typeof FAILURE_TRIGGERS;

/**
 * A background turn that stays queued (the mock's worker leaves it) until it is cancelled, so
 * an app test can exercise POST /v1/responses/{id}/cancel: the mock's turns otherwise end at once.
 */
export const QUEUED_TRIGGER = 'queued';
export type MockTrigger = LimitTrigger | FailureTrigger | typeof QUEUED_TRIGGER;

export const MOCK_TRIGGERS: MockTrigger[] = [...LIMIT_REASONS, ...(Object.keys(FAILURE_TRIGGERS) as FailureTrigger[]), QUEUED_TRIGGER];

/** The trigger a request's user names, if any; an unknown `mock:` name is a 400 so a typo never passes silently. */
export function triggerOf(user: string | null | undefined): MockTrigger | null {
  if (!user?.startsWith(MOCK_USER_PREFIX)) return null;
  const name = user.slice(MOCK_USER_PREFIX.length);
  if ((MOCK_TRIGGERS as string[]).includes(name)) return name as MockTrigger;
  throw new AppError(400, 'invalid_request', `Unknown mock trigger '${user}'; known: ${MOCK_TRIGGERS.map((t) => MOCK_USER_PREFIX + t).join(', ')}`, {
    param: 'user',
  });
}

export const isFailureTrigger = (trigger: MockTrigger): trigger is FailureTrigger => trigger in FAILURE_TRIGGERS;
export const isLimitTrigger = (trigger: MockTrigger): trigger is LimitTrigger => (LIMIT_REASONS as readonly string[]).includes(trigger);

/** The 402 or 429 a limit trigger answers, exactly as the real server words it. */
export function limitError(trigger: LimitTrigger, request: { user?: string | null; metadata?: Record<string, string> | null }, now: Date): AppError {
  if (trigger === 'rate_limit_exceeded') {
    const state = keyBucket(false);
    const err = keyRateLimited(state, now);
    Object.assign(err.headers, bucketHeaders(state));
    return err;
  }
  return refusalError(refusal(trigger, request, now), {
    timeZone: 'UTC',
    now,
    requestedUsd: 0.0001,
    burst: { requests: LIMITS.user_burst.requests, windowSeconds: LIMITS.user_burst.window_seconds },
  });
}

/**
 * The real server's X-RateLimit-* headers, on every /v1 answer to a project key. The mock never
 * limits, so its bucket always reads full (less the request being answered).
 */
export function rateLimitHeaders(): Record<string, string> {
  return bucketHeaders(keyBucket(true));
}
