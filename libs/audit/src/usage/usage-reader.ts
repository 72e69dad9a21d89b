import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@genaug/event-store';
import { badRequest, CLOCK, systemClock, type Clock } from '@genaug/kernel';
import type { ProjectView } from '@genaug/projects';
import {
  addDays,
  daysBetween,
  emptyFigures,
  MAX_USAGE_DAYS,
  todayIn,
  type UsageFigures,
  type UsageGroup,
  type UsageQuery,
  type UsageRow,
} from './usage-report';

const GROUP_KEY: Record<UsageGroup, string> = {
  day: `to_char(day, 'YYYY-MM-DD')`,
  user: 'user_id',
  feature: `nullif(feature, '')`,
  model: `nullif(model, '')`,
};

export interface ResolvedUsage {
  start: string;
  end: string;
  timezone: string;
  groupBy: UsageGroup;
  rows: UsageRow[];
  totals: UsageRow;
}

/** Queries over the daily usage rollups; the JSON report and the CSV export both read this. */
@Injectable()
export class UsageReader {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  async read(project: ProjectView, q: UsageQuery): Promise<ResolvedUsage> {
    const timezone = project.settings.timezone ?? 'UTC';
    // Without dates: the last 30 days of the project's calendar, today included.
    const end = q.end_date ?? (q.start_date ? addDays(q.start_date, 29) : todayIn(timezone, this.clock.now()));
    const start = q.start_date ?? addDays(end, -29);
    if (start > end) throw badRequest('start_date', 'start_date must not be after end_date');
    if (daysBetween(start, end).length > MAX_USAGE_DAYS) throw badRequest('end_date', `A report covers at most ${MAX_USAGE_DAYS} days`);
    const key = GROUP_KEY[q.group_by];
    const res = await this.pool.query(
      `select ${key} as key, grouping(${key}) as is_total, sum(agent_turns)::text as agent_turns, sum(messages)::text as messages,
         sum(input_tokens)::text as input_tokens, sum(output_tokens)::text as output_tokens, sum(cached_tokens)::text as cached_tokens,
         sum(reasoning_tokens)::text as reasoning_tokens, sum(cost_usd)::text as cost_usd, sum(errors)::text as errors
       from genaug_usage_daily
       where project_id = $1 and day between $2::date and $3::date
         and ($4::text is null or user_id = $4) and ($5::text is null or feature = $5)
       group by grouping sets ((${key}), ())
       order by is_total, key nulls last`,
      [project.id, start, end, q.user ?? null, q.feature ?? null],
    );
    const rows = res.rows.filter((r) => r.is_total === 0).map(toRow);
    const total = res.rows.find((r) => r.is_total === 1);
    const totals = total ? toRow(total) : { ...emptyFigures(), key: null, costText: '0' };
    totals.key = null;
    return { start, end, timezone, groupBy: q.group_by, rows: q.group_by === 'day' ? everyDay(rows, start, end) : rows, totals };
  }
}

function toRow(r: any): UsageRow {
  const figures: UsageFigures = {
    agent_turns: Number(r.agent_turns),
    messages: Number(r.messages),
    input_tokens: Number(r.input_tokens),
    output_tokens: Number(r.output_tokens),
    cached_tokens: Number(r.cached_tokens),
    reasoning_tokens: Number(r.reasoning_tokens),
    total_tokens: Number(r.input_tokens) + Number(r.output_tokens),
    cost_usd: Number(r.cost_usd),
    errors: Number(r.errors),
  };
  return { key: r.key, costText: r.cost_usd, ...figures };
}

/** By day, days without turns are listed with zeros so charts have no holes. */
function everyDay(rows: UsageRow[], start: string, end: string): UsageRow[] {
  const byDay = new Map(rows.map((r) => [r.key, r]));
  return daysBetween(start, end).map((d) => byDay.get(d) ?? { ...emptyFigures(), key: d, costText: '0' });
}
