import type { Pool } from 'pg';

export interface AppliedRow {
  eventId: string;
  streamId: string;
  streamVersion: number;
}

/** Every row of an applied-events table, in the order the events were applied. */
export async function appliedRows(pool: Pool, table: string): Promise<AppliedRow[]> {
  const res = await pool.query(`select event_id, stream_id, stream_version from ${table} order by seq`);
  return res.rows.map((r) => ({ eventId: r.event_id, streamId: r.stream_id, streamVersion: Number(r.stream_version) }));
}

/** Rows against distinct events: equal when nothing was applied twice. */
export async function appliedCounts(pool: Pool, table: string): Promise<{ rows: number; distinct: number }> {
  const res = await pool.query(`select count(*)::int as rows, count(distinct event_id)::int as distinct from ${table}`);
  return res.rows[0];
}

/** Streams whose events were not applied as versions 1, 2, 3, … in that order. */
export async function streamsOutOfOrder(pool: Pool, table: string): Promise<string[]> {
  const res = await pool.query(
    `select distinct stream_id from (
       select stream_id, stream_version, row_number() over (partition by stream_id order by seq) as applied_as
       from ${table}) t
     where stream_version <> applied_as order by stream_id`,
  );
  return res.rows.map((r) => r.stream_id);
}

/** Events in the log (of the given types) that the table has no row for. */
export async function missingEvents(pool: Pool, table: string, types?: string[]): Promise<number> {
  const res = await pool.query(
    `select count(*)::int as n from genaug_events e
     where ($1::text[] is null or e.type = any($1::text[]))
       and not exists (select 1 from ${table} a where a.event_id = e.event_id)`,
    [types ?? null],
  );
  return res.rows[0].n;
}

/** Polls until `check` holds; fails naming what it waited for. Waiting is not a timing assertion. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
