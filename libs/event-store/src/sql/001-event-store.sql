-- The event store: streams, the append-only event log, and the append function.
create table if not exists genaug_streams (
  stream_id   text primary key,
  version     bigint not null,
  last_hash   bytea,
  -- The transaction of the stream's last append: a later append must not have an older one.
  last_transaction_id xid8,
  project_id  text,
  updated_at  timestamptz not null default now()
);

create table if not exists genaug_events (
  global_position bigserial primary key,
  transaction_id  xid8 not null default pg_current_xact_id(),
  stream_id       text not null,
  stream_version  bigint not null,
  event_id        uuid not null unique,
  type            text not null,
  schema_version  int not null default 1,
  data            jsonb not null,
  metadata        jsonb not null default '{}'::jsonb,
  project_id      text,
  recorded_at     timestamptz not null default now(),
  hash            bytea not null,
  unique (stream_id, stream_version)
);

create index if not exists genaug_events_tx_pos on genaug_events (transaction_id, global_position);
-- A project's history is found through its streams, so events carry no per-project index.
create index if not exists genaug_streams_project on genaug_streams (project_id);

-- The canonical form an event's hash covers. jsonb text output is deterministic, and the
-- timestamp is taken as epoch microseconds so no session time zone changes it.
create or replace function genaug_canonical(
  p_stream text, p_version bigint, p_event_id uuid, p_type text, p_schema int,
  p_data jsonb, p_metadata jsonb, p_recorded timestamptz
) returns text language sql immutable as $$
  select jsonb_build_array(
    p_stream, p_version, p_event_id::text, p_type, p_schema, p_data, p_metadata,
    (extract(epoch from p_recorded) * 1000000)::bigint
  )::text
$$;

-- Events are immutable: the database itself refuses UPDATE, DELETE and TRUNCATE.
create or replace function genaug_events_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'genaug_events is append-only: % is not allowed', tg_op using errcode = 'P0001';
end $$;

drop trigger if exists genaug_events_no_update on genaug_events;
create trigger genaug_events_no_update before update or delete on genaug_events
  for each row execute function genaug_events_immutable();
drop trigger if exists genaug_events_no_truncate on genaug_events;
create trigger genaug_events_no_truncate before truncate on genaug_events
  for each statement execute function genaug_events_immutable();

-- Appends events to one stream in one round trip.
-- p_expected: -1 any, -2 no_stream, -3 stream_exists, n >= 0 exact version (0 = empty).
-- Returns ok=false with the actual version on a mismatch instead of raising, so a conflict
-- costs no exception handling.
-- p_notify: wake consumers from inside the transaction (delivered at its commit). A committing
-- transaction that has notified holds a server-wide lock through its WAL flush, so such commits
-- wait for each other; the store passes false for appends that commit on their own and sends
-- one coalesced NOTIFY after they commit instead.
--
-- Consumers read in (transaction id, position) order, so a stream's versions must follow its
-- transactions' ids. Appends to a stream take turns on a transaction-scoped advisory lock (its
-- two-key form, a key space of its own) taken before anything gives the transaction its id:
-- an append that is its transaction's first write gets an id newer than every earlier append
-- to the stream. A transaction that wrote before and whose id is older than the stream's last
-- append is refused with a serialization failure (40001), so its caller retries it.
create or replace function genaug_append(p_stream text, p_expected bigint, p_events jsonb, p_project text, p_notify boolean default true)
returns table (ok boolean, actual_version bigint, next_version bigint, first_position bigint, last_position bigint)
language plpgsql as $$
declare
  v_base bigint;
  v_hash bytea;
  v_last_tx xid8;
  v_new boolean;
  v_now timestamptz := now();
  v_count int := jsonb_array_length(p_events);
  v_hashes bytea[] := array[]::bytea[];
  v_event jsonb;
  v_first bigint;
  v_last bigint;
  i int := 0;
begin
  perform pg_advisory_xact_lock(736211801, hashtext(p_stream));
  select s.version, s.last_hash, s.last_transaction_id into v_base, v_hash, v_last_tx
    from genaug_streams s where s.stream_id = p_stream;
  v_new := not found;
  if v_new then
    if p_expected = -3 or p_expected > 0 then
      return query select false, -1::bigint, null::bigint, null::bigint, null::bigint; return;
    end if;
    v_base := 0;
  elsif p_expected = -2 or (p_expected >= 0 and p_expected <> v_base) then
    return query select false, v_base, null::bigint, null::bigint, null::bigint; return;
  elsif pg_current_xact_id() < v_last_tx then
    raise exception 'stream %: a newer transaction appended to it first; retry the transaction', p_stream
      using errcode = '40001';
  end if;

  -- The chain: each hash covers the previous one and the canonical event.
  for v_event in select value from jsonb_array_elements(p_events) loop
    i := i + 1;
    v_hash := sha256(coalesce(v_hash, ''::bytea) || convert_to(genaug_canonical(p_stream, v_base + i,
      (v_event->>'event_id')::uuid, v_event->>'type', coalesce((v_event->>'schema_version')::int, 1),
      v_event->'data', coalesce(v_event->'metadata', '{}'::jsonb), v_now), 'UTF8'));
    v_hashes := v_hashes || v_hash;
  end loop;

  if v_new then
    insert into genaug_streams (stream_id, version, last_hash, last_transaction_id, project_id, updated_at)
      values (p_stream, v_count, v_hash, pg_current_xact_id(), p_project, v_now);
  else
    update genaug_streams set version = v_base + v_count, last_hash = v_hash, last_transaction_id = pg_current_xact_id(),
      updated_at = v_now where stream_id = p_stream;
  end if;

  -- One statement for all events; positions follow stream versions.
  with inserted as (
    insert into genaug_events (stream_id, stream_version, event_id, type, schema_version, data, metadata, project_id, recorded_at, hash)
    select p_stream, v_base + e.n, (e.value->>'event_id')::uuid, e.value->>'type', coalesce((e.value->>'schema_version')::int, 1),
      e.value->'data', coalesce(e.value->'metadata', '{}'::jsonb), p_project, v_now, v_hashes[e.n]
    from jsonb_array_elements(p_events) with ordinality as e(value, n)
    order by e.n
    returning global_position
  ) select min(global_position), max(global_position) into v_first, v_last from inserted;

  if p_notify then perform pg_notify('genaug_events', ''); end if;
  return query select true, v_base + v_count, v_base + v_count, v_first, v_last;
end $$;

-- Consumer checkpoints: (transaction_id, global_position) of the last event handled.
create table if not exists genaug_checkpoints (
  consumer        text primary key,
  transaction_id  xid8 not null default '0'::xid8,
  global_position bigint not null default 0,
  updated_at      timestamptz not null default now(),
  reset_at        timestamptz
);

-- Per-subject data keys for sealed personal data, wrapped by the master key.
create table if not exists genaug_subject_keys (
  key_id       uuid primary key,
  project_id   text not null,
  subject      text not null,
  wrapped_key  bytea not null,
  created_at   timestamptz not null default now(),
  unique (project_id, subject)
);

-- Erasure tombstones: which subjects were erased and when; no personal data.
create table if not exists genaug_erased_keys (
  key_id      uuid primary key,
  project_id  text not null,
  erased_at   timestamptz not null default now()
);
