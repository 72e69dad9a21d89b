import type { PoolClient } from 'pg';
import type { Projection, StoredEvent } from '@genaug/event-store';

export const TURNS_IN_FLIGHT_TABLE = 'genaug_turns_in_flight';

const responseIdOf = (e: StoredEvent) => e.streamId.slice('turn-'.length);

/**
 * The turns started and not yet ended, with the runner that started their latest attempt: what
 * the worker looks through for turns a dead process left behind. A row lives for the length of
 * a turn, so the table stays as small as the number of turns running.
 */
export const turnsInFlightProjection: Projection = {
  name: 'turns-in-flight',
  types: ['TurnStarted', 'TurnCompleted', 'TurnFailed', 'TurnCancelled'],
  tables: [TURNS_IN_FLIGHT_TABLE],
  async setup(client: PoolClient) {
    await client.query(`
      create table if not exists ${TURNS_IN_FLIGHT_TABLE} (
        response_id text primary key,
        project_id text not null,
        runner_id text,
        attempt int not null,
        started_at timestamptz not null
      );
      create index if not exists genaug_turns_in_flight_started on ${TURNS_IN_FLIGHT_TABLE} (started_at);`);
  },
  async apply(events: StoredEvent[], client: PoolClient) {
    // Where each turn of the batch ends up: running an attempt, or ended (a turn that starts and
    // ends within one batch never gets a row).
    const last = new Map<string, StoredEvent>();
    for (const e of events) last.set(responseIdOf(e), e);
    const running: object[] = [];
    const ended: string[] = [];
    for (const [responseId, e] of last) {
      if (e.type !== 'TurnStarted') {
        ended.push(responseId);
        continue;
      }
      running.push({ response_id: responseId, project_id: e.projectId, runner_id: e.data.runner ?? null, attempt: e.data.attempt, started_at: e.recordedAt });
    }
    if (ended.length) await client.query(`delete from ${TURNS_IN_FLIGHT_TABLE} where response_id = any($1)`, [ended]);
    if (running.length) {
      await client.query(
        `insert into ${TURNS_IN_FLIGHT_TABLE} (response_id, project_id, runner_id, attempt, started_at)
         select response_id, project_id, runner_id, attempt, started_at
         from jsonb_to_recordset($1::jsonb) as r(response_id text, project_id text, runner_id text, attempt int, started_at timestamptz)
         on conflict (response_id) do update set runner_id = excluded.runner_id, attempt = excluded.attempt, started_at = excluded.started_at`,
        [JSON.stringify(running)],
      );
    }
  },
};
