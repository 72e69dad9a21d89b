-- The event store: streams, the append-only event log, and the append function.
create table if not exists genaug_streams (
  stream_id   text primary key,
  version     bigint not null,
  last_hash   bytea,
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
create index if not exists genaug_events_project on genaug_events (project_id, global_position);

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
create or replace function genaug_append(p_stream text, p_expected bigint, p_events jsonb, p_project text)
returns table (ok boolean, actual_version bigint, next_version bigint, first_position bigint, last_position bigint)
language plpgsql as $$
declare
  v_current bigint;
  v_hash bytea;
  v_exists boolean := true;
  v_event jsonb;
  v_pos bigint;
  v_first bigint;
  v_now timestamptz := now();
  v_canonical text;
begin
  select s.version, s.last_hash into v_current, v_hash from genaug_streams s where s.stream_id = p_stream for update;
  if not found then
    if p_expected = -3 or p_expected > 0 then
      return query select false, -1::bigint, null::bigint, null::bigint, null::bigint; return;
    end if;
    insert into genaug_streams (stream_id, version, project_id) values (p_stream, 0, p_project)
      on conflict (stream_id) do nothing;
    if not found then
      select s.version, s.last_hash into v_current, v_hash from genaug_streams s where s.stream_id = p_stream for update;
    else
      v_current := 0; v_exists := false;
    end if;
  end if;

  if (p_expected = -2 and v_exists) or (p_expected >= 0 and p_expected <> v_current) then
    return query select false, v_current, null::bigint, null::bigint, null::bigint; return;
  end if;

  for v_event in select value from jsonb_array_elements(p_events) loop
    v_current := v_current + 1;
    v_canonical := genaug_canonical(p_stream, v_current, (v_event->>'event_id')::uuid, v_event->>'type',
      coalesce((v_event->>'schema_version')::int, 1), v_event->'data', coalesce(v_event->'metadata', '{}'::jsonb), v_now);
    v_hash := sha256(coalesce(v_hash, ''::bytea) || convert_to(v_canonical, 'UTF8'));
    insert into genaug_events (stream_id, stream_version, event_id, type, schema_version, data, metadata, project_id, recorded_at, hash)
    values (p_stream, v_current, (v_event->>'event_id')::uuid, v_event->>'type',
      coalesce((v_event->>'schema_version')::int, 1), v_event->'data', coalesce(v_event->'metadata', '{}'::jsonb),
      p_project, v_now, v_hash)
    returning global_position into v_pos;
    if v_first is null then v_first := v_pos; end if;
  end loop;

  update genaug_streams set version = v_current, last_hash = v_hash, updated_at = v_now where stream_id = p_stream;
  perform pg_notify('genaug_events', '');
  return query select true, v_current, v_current, v_first, v_pos;
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
