-- An append whose commit does not wait for the WAL flush. The events are committed and
-- visible at once; they reach disk no later than the next durable commit, because the WAL
-- is flushed in order. Callers use it only when a durable append of theirs follows before
-- anyone is answered (a turn's request, then its outcome).
create or replace function genaug_append_deferred(p_stream text, p_expected bigint, p_events jsonb, p_project text)
returns table (ok boolean, actual_version bigint, next_version bigint, first_position bigint, last_position bigint)
language plpgsql as $$
begin
  perform set_config('synchronous_commit', 'off', true);
  return query select * from genaug_append(p_stream, p_expected, p_events, p_project);
end $$;
