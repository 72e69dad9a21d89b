-- Appends to several streams in one transaction and one round trip: all or none. A stream whose
-- version is not the expected one raises GAW01 (detail: the stream, expected and actual
-- versions as JSON), which rolls back the appends before it.
create or replace function genaug_append_many(p_appends jsonb, p_notify boolean default false)
returns table (stream text, next_version bigint, first_position bigint, last_position bigint, transaction_id text)
language plpgsql as $$
declare
  a jsonb;
  r record;
begin
  for a in select value from jsonb_array_elements(p_appends) loop
    select * into r from genaug_append(a->>'stream', (a->>'expected')::bigint, a->'events', a->>'project', p_notify);
    if not r.ok then
      raise exception 'stream %: wrong expected version', a->>'stream' using errcode = 'GAW01',
        detail = jsonb_build_object('stream', a->>'stream', 'actual', r.actual_version)::text;
    end if;
    stream := a->>'stream';
    next_version := r.next_version;
    first_position := r.first_position;
    last_position := r.last_position;
    transaction_id := pg_current_xact_id()::text;
    return next;
  end loop;
end $$;
