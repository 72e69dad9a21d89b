import { AppError } from '@genaug/kernel';
import { dayResetsAt, monthResetsAt, startOfDay } from '../project-calendar';
import { userRateLimited } from '../rate-limits/rate-limit-state';
import type { Refusal } from '../usage-ledger';

export interface RefusalContext {
  timeZone: string;
  now: Date;
  /** The turn's reservation: what it asked the budget for. */
  requestedUsd: number;
  burst: { requests: number; windowSeconds: number };
}

const dollars = (n: number) => `$${n < 1 ? n.toPrecision(3) : n.toFixed(2)}`;
const round = (n: number) => Math.round(n * 1e10) / 1e10;

/** The stable 429 or 402 for a turn the ledger refused, with the limit, its period and its reset. */
export function refusalError(refusal: Refusal, ctx: RefusalContext): AppError {
  if (refusal.reason === 'user_rate_limit_exceeded') {
    const retryAfter = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
    return userRateLimited(ctx.burst.requests, ctx.burst.windowSeconds, retryAfter, ctx.now);
  }
  const monthly = refusal.period !== null && refusal.period.length === 7;
  const period = monthly ? 'month' : 'day';
  const periodStart = monthly ? startOfDay(`${refusal.period}-01`, ctx.timeZone) : startOfDay(refusal.period!, ctx.timeZone);
  const resetsAt = monthly ? monthResetsAt(refusal.period!, ctx.timeZone) : dayResetsAt(refusal.period!, ctx.timeZone);

  if (refusal.reason === 'daily_turn_limit_reached') {
    return new AppError(
      402,
      refusal.reason,
      `The plan's limit of ${refusal.limit} agent turns per day is reached; it resets at ${resetsAt.toISOString()}`,
      {
        details: {
          limit: {
            type: 'agent_turns_per_day',
            period,
            limit: refusal.limit,
            used: refusal.used,
            period_start: periodStart.toISOString(),
            resets_at: resetsAt.toISOString(),
          },
        },
      },
    );
  }

  const whose = refusal.scope === 'project' ? 'The project' : refusal.scope === 'user' ? 'This user' : `Feature '${refusal.subject}'`;
  return new AppError(
    402,
    refusal.reason,
    `${whose} has reached its LLM budget of ${dollars(refusal.limit)} per ${period}; it resets at ${resetsAt.toISOString()}`,
    {
      details: {
        limit: {
          type: `${refusal.scope}_budget`,
          scope: refusal.scope,
          ...(refusal.scope === 'project' ? {} : { [refusal.scope]: refusal.subject }),
          period,
          limit_usd: refusal.limit,
          spent_usd: round(refusal.used),
          reserved_usd: round(refusal.reserved),
          requested_usd: round(ctx.requestedUsd),
          period_start: periodStart.toISOString(),
          resets_at: resetsAt.toISOString(),
        },
      },
    },
  );
}
