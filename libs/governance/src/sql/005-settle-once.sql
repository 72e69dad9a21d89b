-- Settlement exactly once. A turn's settlement could be lost (its process died between
-- recording the turn's usage and settling it: the reservation was released an hour later, the
-- spend never counted) or, sent again after its reply was lost, counted twice. Settled turns are
-- now marked, and the ledger round skips a turn marked already: a settlement can be sent again
-- safely, and the worker settles, from its recorded usage, a turn left holding its reservation.

create table genaug_settled_turns (
  response_id text primary key,
  settled_at  timestamptz not null
);
-- Marks are kept for a week, then deleted by age: time-ordered inserts keep a BRIN index small.
create index genaug_settled_turns_age on genaug_settled_turns using brin (settled_at);

-- The round as it was settles what it is given; the round now gives it only the settlements of
-- turns not settled yet, each once, and maps its answers back to the caller's positions.
alter function genaug_ledger_round(jsonb, jsonb, jsonb, double precision, timestamptz) rename to genaug_ledger_round_unmarked;

create function genaug_ledger_round(p_takes jsonb, p_settles jsonb, p_admits jsonb, p_now_ms double precision,
  p_now timestamptz)
returns table (kind text, idx integer, ok boolean, reason text, scope text, subject text, period text, limit_value numeric,
               used numeric, reserved numeric, retry_after_ms double precision, tat_ms double precision, day text,
               threshold_percent integer, agent_turns_count integer, agent_turns_per_day integer, messages_count bigint)
language plpgsql as $$
declare
  v_at integer[] := '{}';
  v_settles jsonb := '[]'::jsonb;
begin
  if jsonb_array_length(p_settles) > 0 then
    -- The first settlement of each turn not marked yet; the worker's (`only_held`) only for a turn
    -- still holding its reservation.
    with sent as (
      select s.e, (s.n - 1)::integer as n from jsonb_array_elements(p_settles) with ordinality s(e, n)
    ), fresh as (
      insert into genaug_settled_turns as t (response_id, settled_at)
        select distinct s.e->>'response_id', p_now from sent s
        where not coalesce((s.e->>'only_held')::boolean, false)
          or exists (select 1 from genaug_turn_reservations h where h.response_id = s.e->>'response_id')
      on conflict do nothing
      returning t.response_id
    ), firsts as (
      select distinct on (s.e->>'response_id') s.e, s.n from sent s join fresh f on f.response_id = s.e->>'response_id'
      order by s.e->>'response_id', s.n
    )
    select coalesce(array_agg(f.n order by f.n), '{}'), coalesce(jsonb_agg(f.e order by f.n), '[]'::jsonb)
      into v_at, v_settles from firsts f;
  end if;
  return query
    select r.kind, case when r.kind = 'settle' then v_at[r.idx + 1] else r.idx end, r.ok, r.reason, r.scope, r.subject, r.period,
      r.limit_value, r.used, r.reserved, r.retry_after_ms, r.tat_ms, r.day, r.threshold_percent, r.agent_turns_count,
      r.agent_turns_per_day, r.messages_count
    from genaug_ledger_round_unmarked(p_takes, v_settles, p_admits, p_now_ms, p_now) r;
end $$;
alter function genaug_ledger_round(jsonb, jsonb, jsonb, double precision, timestamptz) set enable_seqscan = off;
