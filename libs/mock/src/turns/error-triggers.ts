import { AppError } from '@genaug/kernel';

// Errors on demand, so app tests can exercise their 402/429 and upstream-failure handling:
// send `"user": "mock:<reason>"` on POST /v1/responses. The trigger rides on the user id
// because that is the one value an app test controls end to end, through the app's own routes.

export const MOCK_USER_PREFIX = 'mock:';

/** Refusals a real server answers before any model call (governance), with their real reasons. */
export const LIMIT_TRIGGERS = {
  /** The project key's request rate. */
  rate_limited: { status: 429, message: 'Rate limit reached for this API key', retryAfterSeconds: 1, limit: 60 },
  /** One app user sending faster than the per-user burst allows. */
  user_burst_limited: { status: 429, message: 'Too many requests for this user; slow down', retryAfterSeconds: 1, limit: 10 },
  /** The project's daily agent-turn allowance is used up. */
  plan_limit_reached: { status: 402, message: "The project's daily agent-turn limit is reached" },
  /** A project, user or feature budget cap is reached. */
  budget_exceeded: { status: 402, message: 'The budget cap for this project is reached' },
} as const;

/** Turns whose every model failed: the response is recorded as failed and answered 502/504. */
export const FAILURE_TRIGGERS = {
  upstream_error: { status: 502, message: 'local/local-balanced failed: the model provider answered 500' },
  upstream_timeout: { status: 504, message: 'local/local-balanced did not answer in time' },
} as const;

export type LimitTrigger = keyof typeof LIMIT_TRIGGERS;
export type FailureTrigger = keyof typeof FAILURE_TRIGGERS;
export type MockTrigger = LimitTrigger | FailureTrigger;

export const MOCK_TRIGGERS = [...Object.keys(LIMIT_TRIGGERS), ...Object.keys(FAILURE_TRIGGERS)] as MockTrigger[];

/** The trigger a request's user names, if any; an unknown `mock:` name is a 400 so a typo never passes silently. */
export function triggerOf(user: string | null | undefined): MockTrigger | null {
  if (!user?.startsWith(MOCK_USER_PREFIX)) return null;
  const name = user.slice(MOCK_USER_PREFIX.length);
  if ((MOCK_TRIGGERS as string[]).includes(name)) return name as MockTrigger;
  throw new AppError(400, 'invalid_request', `Unknown mock trigger '${user}'; known: ${MOCK_TRIGGERS.map((t) => MOCK_USER_PREFIX + t).join(', ')}`, {
    param: 'user',
  });
}

export const isLimitTrigger = (trigger: MockTrigger): trigger is LimitTrigger => trigger in LIMIT_TRIGGERS;

/** The 402 or 429 a limit trigger answers, with Retry-After and rate-limit headers on 429s. */
export function limitError(trigger: LimitTrigger, now: Date): AppError {
  const limit = LIMIT_TRIGGERS[trigger];
  if (limit.status === 402) return new AppError(402, trigger, limit.message);
  const reset = Math.ceil(now.getTime() / 1000) + limit.retryAfterSeconds;
  return new AppError(429, trigger, limit.message, {
    headers: {
      'Retry-After': String(limit.retryAfterSeconds),
      'X-RateLimit-Limit': String(limit.limit),
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(reset),
    },
  });
}
