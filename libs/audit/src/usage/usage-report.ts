import { z } from 'zod';

export const USAGE_GROUPS = ['day', 'user', 'feature', 'model'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((s) => new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a calendar date');

/** Longest range one report covers. */
export const MAX_USAGE_DAYS = 400;

export const usageQuerySchema = z
  .object({
    start_date: day.optional(),
    end_date: day.optional(),
    group_by: z.enum(USAGE_GROUPS).default('day'),
    user: z.string().min(1).max(256).optional(),
    feature: z.string().min(1).max(256).optional(),
  })
  .strict();

export type UsageQuery = z.infer<typeof usageQuerySchema>;

/** The figures of one group (or the totals). Costs are exact decimals from the database. */
export interface UsageFigures {
  agent_turns: number;
  messages: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  cost_usd: number;
  errors: number;
}

export interface UsageRow extends UsageFigures {
  /** The group's value: a day, a user, a feature or a model (null when the turn had none). */
  key: string | null;
  /** `cost_usd` as the database summed it, for CSV. */
  costText: string;
}

export interface UsageReport {
  object: 'usage';
  project_id: string;
  start_date: string;
  end_date: string;
  timezone: string;
  group_by: UsageGroup;
  data: Array<Record<string, string | number | null>>;
  totals: UsageFigures;
}

export const FIGURE_COLUMNS: (keyof UsageFigures)[] = [
  'agent_turns',
  'messages',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'total_tokens',
  'cost_usd',
  'errors',
];

export const dayOf = (d: Date): string => d.toISOString().slice(0, 10);

export function addDays(dayText: string, n: number): string {
  return dayOf(new Date(Date.parse(`${dayText}T00:00:00Z`) + n * 86_400_000));
}

/** Today in a time zone, as YYYY-MM-DD. */
export function todayIn(timeZone: string, now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** Every day from start to end inclusive. */
export function daysBetween(start: string, end: string): string[] {
  const out: string[] = [];
  for (let d = start; d <= end; d = addDays(d, 1)) out.push(d);
  return out;
}

export const emptyFigures = (): UsageFigures => ({
  agent_turns: 0,
  messages: 0,
  input_tokens: 0,
  output_tokens: 0,
  cached_tokens: 0,
  reasoning_tokens: 0,
  total_tokens: 0,
  cost_usd: 0,
  errors: 0,
});
