-- The appends concurrent callers of one process make meanwhile, in one transaction and one round
-- trip (group commit): each is checked against its own expected version and succeeds or fails
-- on its own, as if made alone, but they share the transaction, its commit and its WAL flush.
-- The caller sends them sorted by stream, so two batches lock streams in the same order. With
-- p_deferred the commit does not wait for the disk (genaug_append_deferred) and each append
-- notifies from inside, as a deferred append does.
create or replace function genaug_append_batch(p_appends jsonb, p_deferred boolean)
returns table (idx integer, ok boolean, actual_version bigint, next_version bigint, first_position bigint, last_position bigint)
language plpgsql as $$
declare
  a jsonb;
  n integer;
  r record;
begin
  if p_deferred then perform set_config('synchronous_commit', 'off', true); end if;
  for a, n in select value, ordinality - 1 from jsonb_array_elements(p_appends) with ordinality loop
    select * into r from genaug_append(a->>'stream', (a->>'expected')::bigint, a->'events', a->>'project', p_deferred);
    idx := n;
    ok := r.ok;
    actual_version := r.actual_version;
    next_version := r.next_version;
    first_position := r.first_position;
    last_position := r.last_position;
    return next;
  end loop;
end $$;
