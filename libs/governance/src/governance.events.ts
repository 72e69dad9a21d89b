import { createHash } from 'crypto';
import { z } from 'zod';
import { registerEvents, type DomainEvent } from '@genaug/event-store';

// The usage ledger's stream per project day, `ledger-{project}-{day}`: the facts about the
// day's usage that other parts react to. The counts themselves live in the ledger tables,
// where every turn updates them atomically.

const usageThresholdReached = z.object({
  /** The project's day, YYYY-MM-DD in its time zone. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  threshold_percent: z.number().int().min(1).max(100),
  agent_turns_count: z.number().int().min(0),
  agent_turns_per_day: z.number().int().min(1),
  messages_count: z.number().int().min(0),
  reached_at: z.string(),
});

registerEvents({ UsageThresholdReached: usageThresholdReached });

export type UsageThresholdReachedData = z.infer<typeof usageThresholdReached>;
export type LedgerEvent = DomainEvent<'UsageThresholdReached', UsageThresholdReachedData>;

export const ledgerStream = (projectId: string, day: string) => `ledger-${projectId}-${day}`;

/** A UUID derived from a name: the same fact always gets the same event id, so it is stored once. */
export function uuidFromName(name: string): string {
  const b = createHash('sha256').update(name).digest().subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x80; // version 8 (custom)
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 variant
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
