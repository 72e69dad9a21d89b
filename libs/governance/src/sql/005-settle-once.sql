-- Settlement exactly once. A turn's settlement could be lost (its process died between
-- recording the turn's usage and settling it: the reservation was released an hour later, the
-- spend never counted) or, sent again after its reply was lost, counted twice. Settled turns are
-- now marked, and the ledger round skips a turn marked already: a settlement can be sent again
-- safely, and the worker settles, from its recorded usage, a turn left holding its reservation.
-- The round is the one of 003 with its settlement step changed (a function is replaced whole).

create table genaug_settled_turns (
  response_id text primary key,
  settled_at  timestamptz not null
);
-- Marks are kept for a week, then deleted by age: time-ordered inserts keep a BRIN index small.
create index genaug_settled_turns_age on genaug_settled_turns using brin (settled_at);

create or replace function genaug_ledger_round(p_takes jsonb, p_settles jsonb, p_admits jsonb, p_now_ms double precision,
  p_now timestamptz)
returns table (kind text, idx integer, ok boolean, reason text, scope text, subject text, period text, limit_value numeric,
               used numeric, reserved numeric, retry_after_ms double precision, tat_ms double precision, day text,
               threshold_percent integer, agent_turns_count integer, agent_turns_per_day integer, messages_count bigint)
language plpgsql as $$
#variable_conflict use_column
declare
  a jsonb;
  i integer;
  k integer;
  n_takes integer := jsonb_array_length(p_takes);
  n_settles integer := jsonb_array_length(p_settles);
  n_admits integer := jsonb_array_length(p_admits);
  b_keys text[];
  b_tats double precision[];
  v_next double precision;
  v_interval double precision;
  v_period double precision;
  v_held jsonb;
  v_seen text[] := '{}';
  v_fresh text[];
  r jsonb;
  v_settle jsonb[] := '{}';
  l_key text[];
  l_project text[];
  l_scope text[];
  l_subject text[];
  l_period text[];
  l_spent numeric[];
  l_reserved numeric[];
  l_admitted integer[];
  l_counted integer[];
  l_messages bigint[];
  v_rows integer[];
  v_day integer;
  v_amount numeric;
  v_cost numeric;
  v_cap numeric;
  v_pct integer;
  v_limit integer;
  v_refused boolean;
  v_candidates jsonb := '[]'::jsonb;
  v_admitted integer[] := '{}';
begin
  perform set_config('synchronous_commit', 'off', true);
  -- The statements below are the same every round: plan them once, not per call.
  perform set_config('plan_cache_mode', 'force_generic_plan', true);

  if n_takes = 1 and n_settles = 0 and n_admits = 0 then
    -- A lone take: one upsert that takes from the bucket only if it has room.
    a := p_takes -> 0;
    insert into genaug_rate_limits as b (key, tat_ms) values (a->>'key', p_now_ms + (a->>'interval_ms')::double precision)
    on conflict (key) do update set tat_ms = greatest(b.tat_ms, p_now_ms) + (a->>'interval_ms')::double precision
      where greatest(b.tat_ms, p_now_ms) + (a->>'interval_ms')::double precision - p_now_ms <= (a->>'period_ms')::double precision + 0.001
    returning b.tat_ms into v_next;
    if found then
      return query select 'take'::text, 0, true, null::text, null::text, null::text, null::text, null::numeric, null::numeric,
        null::numeric, null::double precision, v_next, null::text, null::integer, null::integer, null::integer, null::bigint;
    else
      return query select 'take'::text, 0, false, null::text, null::text, null::text, null::text, null::numeric, null::numeric,
        null::numeric, null::double precision, b.tat_ms, null::text, null::integer, null::integer, null::integer, null::bigint
        from genaug_rate_limits b where b.key = a->>'key';
    end if;
    return;
  end if;

  -- Rate-limit buckets of the takes and of the admitted users' bursts: created if new and
  -- locked (in key order) by one upsert that leaves them as they are.
  with wanted as (
    select e->>'key' as k from jsonb_array_elements(p_takes) e
    union select e->>'burst_key' from jsonb_array_elements(p_admits) e where e->>'burst_key' is not null
  ), locked as (
    insert into genaug_rate_limits as b (key, tat_ms) select w.k, p_now_ms from wanted w order by w.k
    on conflict (key) do update set tat_ms = b.tat_ms
    returning b.key, b.tat_ms
  )
  select array_agg(l.key order by l.key), array_agg(l.tat_ms order by l.key) into b_keys, b_tats from locked l;

  for i in 0 .. n_takes - 1 loop
    a := p_takes -> i;
    k := array_position(b_keys, a->>'key');
    v_next := greatest(b_tats[k], p_now_ms) + (a->>'interval_ms')::double precision;
    if v_next - p_now_ms <= (a->>'period_ms')::double precision + 0.001 then
      b_tats[k] := v_next;
      return query select 'take'::text, i, true, null::text, null::text, null::text, null::text, null::numeric, null::numeric,
        null::numeric, null::double precision, v_next, null::text, null::integer, null::integer, null::integer, null::bigint;
    else
      return query select 'take'::text, i, false, null::text, null::text, null::text, null::text, null::numeric, null::numeric,
        null::numeric, null::double precision, b_tats[k], null::text, null::integer, null::integer, null::integer, null::bigint;
    end if;
  end loop;

  -- Each turn is settled once. A settlement sent again (its reply lost with its connection) or
  -- by the worker for a turn whose process died after recording its usage finds the turn's mark
  -- and changes nothing; the worker's (`only_held`) settles only a turn still holding its
  -- reservation. Settled turns give back their reservations, which are deleted; one without a
  -- reservation (never admitted, or released) is metered where its settlement says.
  if n_settles > 0 then
    with fresh as (
      insert into genaug_settled_turns as t (response_id, settled_at)
        select distinct e->>'response_id', p_now from jsonb_array_elements(p_settles) e
        where not coalesce((e->>'only_held')::boolean, false)
          or exists (select 1 from genaug_turn_reservations h where h.response_id = e->>'response_id')
      on conflict do nothing
      returning t.response_id)
    select coalesce(array_agg(f.response_id), '{}') into v_fresh from fresh f;
    with gone as (delete from genaug_turn_reservations t where t.response_id = any(v_fresh) returning t.*)
    select coalesce(jsonb_object_agg(g.response_id, to_jsonb(g)), '{}'::jsonb) into v_held from gone g;
    for i in 0 .. n_settles - 1 loop
      a := p_settles -> i;
      -- Settled already, or twice in this round: counted once.
      continue when not (a->>'response_id' = any(v_fresh)) or a->>'response_id' = any(v_seen);
      r := v_held -> (a->>'response_id');
      v_seen := v_seen || (a->>'response_id');
      v_settle := v_settle || jsonb_build_object(
        'i', i, 'project_id', coalesce(r->>'project_id', a->>'project_id'), 'day', coalesce(r->>'day', a->>'day'),
        'month', coalesce(r->>'month', a->>'month'),
        'user', case when r is null then a->>'user' else r->>'user_id' end,
        'feature', case when r is null then a->>'feature' else r->>'feature' end,
        'holds', r is not null, 'release', coalesce((r->>'reserved_usd')::numeric, 0),
        'cost', (a->>'cost')::numeric, 'messages', (a->>'messages')::integer, 'turn_limit', a->'turn_limit');
    end loop;
  end if;

  -- The ledger rows of every settled and admitted turn, locked in key order. Rows a new day,
  -- month, user or feature lacks are created after the locks are held (inserts go in key order
  -- too, so waiting on another's insert never closes a cycle), then everything is read again.
  -- Each row is then found by its text key (genaug_ledger_rows).
  if n_settles + n_admits > 0 then
    perform set_config('enable_hashjoin', 'off', true);
    perform set_config('enable_mergejoin', 'off', true);
    for k in 1 .. 2 loop
      with turns as (select u.e from unnest(v_settle) u(e) union all select e from jsonb_array_elements(p_admits) e),
      keys as (
        select distinct t.e->>'project_id' as p, g.scope as s, g.subject as j, g.period as d
        from turns t, genaug_ledger_keys(t.e->>'day', t.e->>'month', t.e->>'user', t.e->>'feature') g)
      select array_agg(l.project_id || E'\x1f' || l.scope || E'\x1f' || l.subject || E'\x1f' || l.period), array_agg(l.project_id),
             array_agg(l.scope), array_agg(l.subject), array_agg(l.period), array_agg(l.spent_usd), array_agg(l.reserved_usd),
             array_agg(l.turns_admitted), array_agg(l.turns_counted), array_agg(l.messages), (select count(*) from keys) - count(*)
        into l_key, l_project, l_scope, l_subject, l_period, l_spent, l_reserved, l_admitted, l_counted, l_messages, i
        from (select l.* from keys k
              join genaug_usage_ledger l on l.project_id = k.p and l.scope = k.s and l.subject = k.j and l.period = k.d
              order by l.project_id, l.scope, l.subject, l.period for update of l) l;
      exit when i = 0;
      insert into genaug_usage_ledger (project_id, scope, subject, period)
        select distinct t.e->>'project_id', g.scope, g.subject, g.period
        from (select u.e from unnest(v_settle) u(e) union all select e from jsonb_array_elements(p_admits) e) t,
          genaug_ledger_keys(t.e->>'day', t.e->>'month', t.e->>'user', t.e->>'feature') g
        order by 1, 2, 3, 4
        on conflict do nothing;
    end loop;
  end if;

  for i in 1 .. coalesce(array_length(v_settle, 1), 0) loop
    a := v_settle[i];
    v_rows := genaug_ledger_rows(l_key, a);
    v_amount := (a->>'release')::numeric;
    v_cost := (a->>'cost')::numeric;
    for k in 1 .. 6 loop
      continue when v_rows[k] is null;
      l_spent[v_rows[k]] := l_spent[v_rows[k]] + v_cost;
      l_reserved[v_rows[k]] := l_reserved[v_rows[k]] - v_amount;
    end loop;
    v_day := v_rows[1];
    if not (a->>'holds')::boolean then l_admitted[v_day] := l_admitted[v_day] + 1; end if;
    l_counted[v_day] := l_counted[v_day] + 1;
    l_messages[v_day] := l_messages[v_day] + (a->>'messages')::integer;
    if jsonb_typeof(a->'turn_limit') = 'number' then
      v_limit := (a->>'turn_limit')::integer;
      foreach v_pct in array array[80, 100] loop
        -- The turn that reaches a threshold is its candidate, or any later one if the limit changed
        -- past it; the thresholds table keeps one per project day.
        if l_counted[v_day] = ceil(v_pct::numeric * v_limit / 100) or (l_counted[v_day] > ceil(v_pct::numeric * v_limit / 100)
            and not exists (select 1 from genaug_usage_thresholds t
                            where t.project_id = a->>'project_id' and t.day = a->>'day' and t.threshold_percent = v_pct)) then
          v_candidates := v_candidates || jsonb_build_array(jsonb_build_object('i', (a->>'i')::integer, 'project_id', a->>'project_id',
            'day', a->>'day', 'pct', v_pct, 'count', l_counted[v_day], 'limit', v_limit, 'messages', l_messages[v_day]));
        end if;
      end loop;
    end if;
  end loop;

  for i in 0 .. n_admits - 1 loop
    a := p_admits -> i;
    if a->>'burst_key' is not null then
      k := array_position(b_keys, a->>'burst_key');
      v_interval := (a->>'burst_interval_ms')::double precision;
      v_period := (a->>'burst_period_ms')::double precision;
      v_next := greatest(b_tats[k], p_now_ms) + v_interval;
      if v_next - p_now_ms > v_period + 0.001 then
        return query select 'admit'::text, i, false, 'user_rate_limit_exceeded'::text, 'user'::text, a->>'user', null::text,
          null::numeric, null::numeric, null::numeric, b_tats[k] - v_period + v_interval - p_now_ms, null::double precision,
          null::text, null::integer, null::integer, null::integer, null::bigint;
        continue;
      end if;
      b_tats[k] := v_next;
    end if;

    v_rows := genaug_ledger_rows(l_key, a);

    if a->>'turn_limit' is not null and l_admitted[v_rows[1]] >= (a->>'turn_limit')::integer then
      return query select 'admit'::text, i, false, 'daily_turn_limit_reached'::text, 'project'::text, ''::text, a->>'day',
        (a->>'turn_limit')::numeric, l_admitted[v_rows[1]]::numeric, null::numeric, null::double precision, null::double precision,
        null::text, null::integer, null::integer, null::integer, null::bigint;
      continue;
    end if;

    v_amount := (a->>'reserve')::numeric;
    v_refused := false;
    for k in 1 .. 6 loop
      continue when v_rows[k] is null;
      v_cap := (a->'caps'->>(k - 1))::numeric;
      if v_cap is not null and l_spent[v_rows[k]] + l_reserved[v_rows[k]] + v_amount > v_cap then
        return query select 'admit'::text, i, false, l_scope[v_rows[k]] || '_budget_exceeded', l_scope[v_rows[k]], l_subject[v_rows[k]],
          l_period[v_rows[k]], v_cap, l_spent[v_rows[k]], l_reserved[v_rows[k]], null::double precision, null::double precision,
          null::text, null::integer, null::integer, null::integer, null::bigint;
        v_refused := true;
        exit;
      end if;
    end loop;
    continue when v_refused;

    for k in 1 .. 6 loop
      continue when v_rows[k] is null;
      l_reserved[v_rows[k]] := l_reserved[v_rows[k]] + v_amount;
    end loop;
    l_admitted[v_rows[1]] := l_admitted[v_rows[1]] + 1;
    v_admitted := v_admitted || i;
    return query select 'admit'::text, i, true, null::text, null::text, null::text, null::text, null::numeric,
      l_admitted[v_rows[1]]::numeric, null::numeric, null::double precision, null::double precision,
      null::text, null::integer, null::integer, null::integer, null::bigint;
  end loop;

  -- Everything the round changed, written in one statement.
  with buckets as (
    update genaug_rate_limits b set tat_ms = u.tat from unnest(b_keys, b_tats) as u(key, tat)
    where b.key = u.key and b.tat_ms <> u.tat
  ), ledger as (
    update genaug_usage_ledger l set spent_usd = u.spent, reserved_usd = u.reserved, turns_admitted = u.admitted,
        turns_counted = u.counted, messages = u.messages
      from unnest(l_project, l_scope, l_subject, l_period, l_spent, l_reserved, l_admitted, l_counted, l_messages)
        as u(p, s, j, d, spent, reserved, admitted, counted, messages)
      where l.project_id = u.p and l.scope = u.s and l.subject = u.j and l.period = u.d
        and (l.spent_usd, l.reserved_usd, l.turns_admitted, l.turns_counted, l.messages)
            is distinct from (u.spent, u.reserved, u.admitted, u.counted, u.messages)
  )
  insert into genaug_turn_reservations (response_id, project_id, day, month, user_id, feature, reserved_usd, created_at)
    select y.e->>'response_id', y.e->>'project_id', y.e->>'day', y.e->>'month', y.e->>'user', y.e->>'feature', (y.e->>'reserve')::numeric,
      p_now
    from unnest(v_admitted) x(n), lateral (select p_admits -> x.n as e) y;

  if jsonb_array_length(v_candidates) > 0 then
    return query
      with reached as (
        insert into genaug_usage_thresholds (project_id, day, threshold_percent, agent_turns_count, agent_turns_per_day, messages_count, reached_at)
          select distinct on (c->>'project_id', c->>'day', (c->>'pct')::integer)
            c->>'project_id', c->>'day', (c->>'pct')::integer, (c->>'count')::integer, (c->>'limit')::integer, (c->>'messages')::bigint, p_now
          from jsonb_array_elements(v_candidates) c
          order by c->>'project_id', c->>'day', (c->>'pct')::integer, (c->>'count')::integer
          on conflict do nothing
          returning project_id, day, threshold_percent, agent_turns_count, agent_turns_per_day, messages_count)
      select 'settle'::text, (c->>'i')::integer, true, null::text, null::text, null::text, null::text, null::numeric, null::numeric,
        null::numeric, null::double precision, null::double precision, t.day, t.threshold_percent, t.agent_turns_count,
        t.agent_turns_per_day, t.messages_count
      from reached t join jsonb_array_elements(v_candidates) c
        on c->>'project_id' = t.project_id and c->>'day' = t.day and (c->>'pct')::integer = t.threshold_percent
          and (c->>'count')::integer = t.agent_turns_count;
  end if;
end $$;

alter function genaug_ledger_round(jsonb, jsonb, jsonb, double precision, timestamptz) set enable_seqscan = off;
