import { AppError } from '@genaug/kernel';

// Errors on demand, so app tests can exercise their 402/429 and upstream-failure handling:
// send `"user": "mock:<reason>"` on POST /v1/responses. The trigger rides on the user id
// because that is the one value an app test controls end to end, through the app's own routes.
// Reasons, messages, headers and `limit` details are those of the real server's governance.

export const MOCK_USER_PREFIX = 'mock:';

/** The real server's defaults (libs/governance), which the refusals report as the limits. */
const REQUESTS_PER_MINUTE = 3000;
const USER_BURST = { requests: 60, windowSeconds: 10 };
const AGENT_TURNS_PER_DAY = 10_000;
const RETRY_AFTER_SECONDS = 1;

type Refusal = (now: Date) => AppError;

const resetsIn = (now: Date, seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
const startOfDay = (now: Date) => `${now.toISOString().slice(0, 10)}T00:00:00.000Z`;
const nextDay = (now: Date) => new Date(Date.parse(startOfDay(now)) + 86_400_000).toISOString();

const budget =
  (scope: 'project' | 'user' | 'feature', subject: string | null): Refusal =>
  (now) => {
    const whose = scope === 'project' ? 'The project' : scope === 'user' ? 'This user' : `Feature '${subject}'`;
    return new AppError(402, `${scope}_budget_exceeded`, `${whose} has reached its LLM budget of $1.00 per day; it resets at ${nextDay(now)}`, {
      details: {
        limit: {
          type: `${scope}_budget`,
          scope,
          ...(subject === null ? {} : { [scope]: subject }),
          period: 'day',
          limit_usd: 1,
          spent_usd: 1,
          reserved_usd: 0,
          requested_usd: 0.0001,
          period_start: startOfDay(now),
          resets_at: nextDay(now),
        },
      },
    });
  };

/** Refusals a real server answers before any model call, by their reasons. */
export const LIMIT_TRIGGERS: Record<string, Refusal> = {
  /** The project key's requests per minute. */
  rate_limit_exceeded: (now) =>
    new AppError(429, 'rate_limit_exceeded', `This API key is limited to ${REQUESTS_PER_MINUTE} requests per minute; retry after ${RETRY_AFTER_SECONDS} s`, {
      headers: { 'Retry-After': String(RETRY_AFTER_SECONDS), ...rateLimitHeaders(0) },
      details: {
        limit: {
          type: 'requests_per_minute',
          scope: 'api_key',
          limit: REQUESTS_PER_MINUTE,
          period: 'minute',
          retry_after_seconds: RETRY_AFTER_SECONDS,
          resets_at: resetsIn(now, RETRY_AFTER_SECONDS),
        },
      },
    }),
  /** One app user starting turns faster than the per-user burst allows. */
  user_rate_limit_exceeded: (now) =>
    new AppError(
      429,
      'user_rate_limit_exceeded',
      `This user may start ${USER_BURST.requests} turns per ${USER_BURST.windowSeconds} s; retry after ${RETRY_AFTER_SECONDS} s`,
      {
        headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        details: {
          limit: {
            type: 'user_burst',
            scope: 'user',
            limit: USER_BURST.requests,
            window_seconds: USER_BURST.windowSeconds,
            retry_after_seconds: RETRY_AFTER_SECONDS,
            resets_at: resetsIn(now, RETRY_AFTER_SECONDS),
          },
        },
      },
    ),
  /** The plan's daily agent-turn limit is used up. */
  daily_turn_limit_reached: (now) =>
    new AppError(402, 'daily_turn_limit_reached', `The plan's limit of ${AGENT_TURNS_PER_DAY} agent turns per day is reached; it resets at ${nextDay(now)}`, {
      details: {
        limit: {
          type: 'agent_turns_per_day',
          period: 'day',
          limit: AGENT_TURNS_PER_DAY,
          used: AGENT_TURNS_PER_DAY,
          period_start: startOfDay(now),
          resets_at: nextDay(now),
        },
      },
    }),
  project_budget_exceeded: budget('project', null),
  user_budget_exceeded: budget('user', 'the user of the request'),
  feature_budget_exceeded: budget('feature', 'the feature of the request'),
};

/** Turns whose every model failed: the response is recorded as failed and answered 502/504. */
export const FAILURE_TRIGGERS = {
  upstream_error: { status: 502, message: 'local/local-balanced failed: the model provider answered 500' },
  upstream_timeout: { status: 504, message: 'local/local-balanced did not answer in time' },
} as const;

export type FailureTrigger = keyof typeof FAILURE_TRIGGERS;
export type MockTrigger = string;

export const MOCK_TRIGGERS: MockTrigger[] = [...Object.keys(LIMIT_TRIGGERS), ...Object.keys(FAILURE_TRIGGERS)];

/** The trigger a request's user names, if any; an unknown `mock:` name is a 400 so a typo never passes silently. */
export function triggerOf(user: string | null | undefined): MockTrigger | null {
  if (!user?.startsWith(MOCK_USER_PREFIX)) return null;
  const name = user.slice(MOCK_USER_PREFIX.length);
  if (MOCK_TRIGGERS.includes(name)) return name;
  throw new AppError(400, 'invalid_request', `Unknown mock trigger '${user}'; known: ${MOCK_TRIGGERS.map((t) => MOCK_USER_PREFIX + t).join(', ')}`, {
    param: 'user',
  });
}

export const isFailureTrigger = (trigger: MockTrigger): trigger is FailureTrigger => trigger in FAILURE_TRIGGERS;

/** The 402 or 429 a limit trigger answers. */
export function limitError(trigger: MockTrigger, now: Date): AppError {
  return LIMIT_TRIGGERS[trigger](now);
}

/**
 * The real server's X-RateLimit-* headers, on every /v1 answer to a project key. The mock never
 * limits, so its bucket always reads full (less the request being answered).
 */
export function rateLimitHeaders(remaining = REQUESTS_PER_MINUTE - 1): Record<string, string> {
  return { 'X-RateLimit-Limit': String(REQUESTS_PER_MINUTE), 'X-RateLimit-Remaining': String(remaining), 'X-RateLimit-Reset': '0' };
}
