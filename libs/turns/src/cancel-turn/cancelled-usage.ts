import type { TurnRequestedData, UsageRecordedData } from '../turn.events';

/**
 * The usage of a cancelled turn no runner will report: one cancelled before it started, or
 * one whose runner died before it recorded what it spent. Nothing is known to have been spent.
 */
export function unspentUsage(requested: TurnRequestedData, day: string): UsageRecordedData {
  return {
    user: requested.user,
    feature: requested.feature,
    source: requested.source,
    provider: null,
    model: null,
    usage: { input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 },
    cost_usd: 0,
    messages: 0,
    outcome: 'cancelled',
    day,
  };
}
