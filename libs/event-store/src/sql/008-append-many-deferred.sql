-- Appends to several streams atomically may also skip waiting for the disk flush (p_deferred),
-- as single appends may: for events a durable append follows before anyone is answered. The
-- old two-argument function is replaced, not overloaded, so calls stay unambiguous.
drop function if exists genaug_append_many(jsonb, boolean);

create function genaug_append_many(p_appends jsonb, p_notify boolean default false, p_deferred boolean default false)
returns table (stream text, next_version bigint, first_position bigint, last_position bigint, transaction_id text)
language plpgsql as $$
declare
  a jsonb;
  r record;
begin
  if p_deferred then perform set_config('synchronous_commit', 'off', true); end if;
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
