-- The reads of the log in (transaction id, position) order: the log tail's, many times a second in
-- every process, and a consumer's own when it is behind the tail (a rebuild reads the whole log
-- through it); both read through genaug_read_all. Each runs on a plan a session keeps, and a plan
-- made while the log was short scans the table: a scan of the whole log on every read once it has
-- grown. Their plans are made here with sequential scans off, so they read only what they return.

-- The next p_limit visible events after (p_tx, p_pos); those not of p_types (null: all) come
-- without their payload, so the reader's position moves past them.
create or replace function genaug_read_all(p_tx xid8, p_pos bigint, p_limit integer, p_types text[])
returns table (global_position bigint, transaction_id xid8, stream_id text, stream_version bigint, event_id uuid,
               type text, schema_version integer, data jsonb, metadata jsonb, project_id text, recorded_at timestamptz,
               hash text, wanted boolean)
language sql stable
set enable_seqscan = off
as $$
  select global_position, transaction_id, stream_id, stream_version, event_id, type, schema_version,
    case when wanted then data end, case when wanted then metadata end, project_id, recorded_at,
    case when wanted then encode(hash, 'hex') end, wanted
  from (select e.*, (p_types is null or e.type = any(p_types)) as wanted from genaug_events e
        where (e.transaction_id, e.global_position) > (p_tx, p_pos)
          and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        order by e.transaction_id, e.global_position
        limit p_limit) visible
  order by transaction_id, global_position
$$;

-- Whether committed events after (p_tx, p_pos) are still hidden by an older running transaction:
-- the log tail then looks again soon, as no notification will say when that transaction ends.
create or replace function genaug_log_held(p_tx xid8, p_pos bigint)
returns boolean
language sql stable
set enable_seqscan = off
as $$
  select exists (select 1 from genaug_events e
                 where e.transaction_id >= greatest(pg_snapshot_xmin(pg_current_snapshot()), p_tx)
                   and (e.transaction_id, e.global_position) > (p_tx, p_pos))
$$;
