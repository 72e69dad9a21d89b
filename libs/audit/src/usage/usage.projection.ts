import type { PoolClient } from 'pg';
import type { Projection, StoredEvent } from '@genaug/event-store';
import { projectIdOf } from '../event-project';

/**
 * Daily usage rollups, one row per project day, user, feature and model, from
 * `UsageRecorded` (whose `day` is already the project's day in its time zone). A batch is
 * summed by PostgreSQL in one upsert: costs add up as exact decimals, never as floats.
 */
export const usageProjection: Projection = {
  name: 'usage',
  types: ['UsageRecorded'],
  tables: ['genaug_usage_daily'],
  async setup(client: PoolClient) {
    await client.query(`
      create table if not exists genaug_usage_daily (
        project_id text not null,
        day date not null,
        user_id text not null,
        feature text not null,
        model text not null,
        agent_turns bigint not null,
        messages bigint not null,
        input_tokens bigint not null,
        output_tokens bigint not null,
        cached_tokens bigint not null,
        reasoning_tokens bigint not null,
        cost_usd numeric not null,
        errors bigint not null,
        primary key (project_id, day, user_id, feature, model)
      );`);
  },
  async apply(events: StoredEvent[], client: PoolClient) {
    const rows = [];
    for (const e of events) {
      const projectId = projectIdOf(e);
      if (!projectId) continue;
      const d = e.data;
      rows.push({
        project_id: projectId,
        day: d.day,
        user_id: d.user,
        // Absent dimensions are '' so they can be part of the key.
        feature: d.feature ?? '',
        model: d.model ?? '',
        messages: d.messages,
        input_tokens: d.usage.input_tokens,
        output_tokens: d.usage.output_tokens,
        cached_tokens: d.usage.cached_tokens ?? 0,
        reasoning_tokens: d.usage.reasoning_tokens ?? 0,
        cost_usd: d.cost_usd,
        failed: d.outcome === 'failed',
      });
    }
    if (!rows.length) return;
    await client.query(
      `insert into genaug_usage_daily as u (project_id, day, user_id, feature, model, agent_turns, messages, input_tokens,
         output_tokens, cached_tokens, reasoning_tokens, cost_usd, errors)
       select project_id, day, user_id, feature, model, count(*), sum(messages), sum(input_tokens), sum(output_tokens),
         sum(cached_tokens), sum(reasoning_tokens), sum(cost_usd), count(*) filter (where failed)
       from jsonb_to_recordset($1::jsonb) as r(project_id text, day date, user_id text, feature text, model text,
         messages bigint, input_tokens bigint, output_tokens bigint, cached_tokens bigint, reasoning_tokens bigint,
         cost_usd numeric, failed boolean)
       group by project_id, day, user_id, feature, model
       on conflict (project_id, day, user_id, feature, model) do update set
         agent_turns = u.agent_turns + excluded.agent_turns,
         messages = u.messages + excluded.messages,
         input_tokens = u.input_tokens + excluded.input_tokens,
         output_tokens = u.output_tokens + excluded.output_tokens,
         cached_tokens = u.cached_tokens + excluded.cached_tokens,
         reasoning_tokens = u.reasoning_tokens + excluded.reasoning_tokens,
         cost_usd = u.cost_usd + excluded.cost_usd,
         errors = u.errors + excluded.errors`,
      [JSON.stringify(rows)],
    );
  },
};
