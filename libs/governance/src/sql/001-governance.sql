-- Governance: rate limits, the usage ledger (reserve-then-settle budgets and daily turn
-- counts) and usage thresholds. Every check is one function call, atomic under concurrency
-- across processes: rows are locked in one global order, so concurrent turns queue on the
-- rows they share and never deadlock. These writes commit without waiting for the disk
-- flush: a database crash may forget the last instants of counting, never a whole day.

-- Rate limit buckets (GCRA): the theoretical arrival time of the next request, in ms since
-- the epoch. Unlogged: after a crash buckets start empty, which only forgives a few requests.
create unlogged table if not exists genaug_rate_limits (
  key    text primary key,
  tat_ms double precision not null
);

-- Spend and open reservations per project, user or feature, per day and per month.
create table if not exists genaug_usage_ledger (
  project_id   text not null,
  scope        text not null,   -- project | user | feature
  subject      text not null,   -- '' for the project, else the user or feature
  period       text not null,   -- YYYY-MM-DD (the project's day) or YYYY-MM
  spent_usd    numeric not null default 0,
  reserved_usd numeric not null default 0,
  primary key (project_id, scope, subject, period)
);

-- Agent turns per project day: `admitted` holds a slot per running or settled turn (what
-- the daily limit checks), `counted` the settled ones (what the thresholds check).
create table if not exists genaug_turn_counts (
  project_id text not null,
  day        text not null,
  admitted   integer not null default 0,
  counted    integer not null default 0,
  messages   bigint not null default 0,
  primary key (project_id, day)
);

-- One row per gated turn: what it reserved and where, until it is settled or released.
create table if not exists genaug_turn_reservations (
  response_id  text primary key,
  project_id   text not null,
  day          text not null,
  month        text not null,
  user_id      text,
  feature      text,
  reserved_usd numeric not null,
  state        text not null,   -- held | settled | released
  cost_usd     numeric,
  created_at   timestamptz not null,
  settled_at   timestamptz
);
create index if not exists genaug_turn_reservations_held on genaug_turn_reservations (created_at) where state = 'held';
create index if not exists genaug_turn_reservations_done on genaug_turn_reservations (created_at) where state <> 'held';

-- Thresholds of the daily turn limit a project reached: the primary key makes each one
-- happen once per day; `recorded_at` is set once its ledger event is appended.
create table if not exists genaug_usage_thresholds (
  project_id          text not null,
  day                 text not null,
  threshold_percent   integer not null,
  agent_turns_count   integer not null,
  agent_turns_per_day integer not null,
  messages_count      bigint not null,
  reached_at          timestamptz not null,
  recorded_at         timestamptz,
  primary key (project_id, day, threshold_percent)
);
create index if not exists genaug_usage_thresholds_unrecorded on genaug_usage_thresholds (reached_at) where recorded_at is null;

-- Takes one request from a GCRA bucket: `p_period_ms` worth of requests may arrive at once,
-- then one per `p_interval_ms`. A refused request takes nothing. Returns the bucket's time.
create or replace function genaug_take_rate_limit(p_key text, p_now_ms double precision, p_interval_ms double precision, p_period_ms double precision)
returns table (allowed boolean, tat_ms double precision)
language plpgsql as $$
#variable_conflict use_column
declare
  v_tat double precision;
begin
  perform set_config('synchronous_commit', 'off', true);
  insert into genaug_rate_limits as r (key, tat_ms) values (p_key, p_now_ms + p_interval_ms)
  on conflict (key) do update set tat_ms = greatest(r.tat_ms, p_now_ms) + p_interval_ms
    where greatest(r.tat_ms, p_now_ms) + p_interval_ms - p_now_ms <= p_period_ms + 0.001
  returning r.tat_ms into v_tat;
  if found then
    return query select true, v_tat;
    return;
  end if;
  select r.tat_ms into v_tat from genaug_rate_limits r where r.key = p_key;
  return query select false, v_tat;
end $$;

-- The ledger rows a turn touches, in the one order every function locks them in.
create or replace function genaug_ledger_keys(p_day text, p_month text, p_user text, p_feature text)
returns table (scope text, subject text, period text, rank integer)
language sql immutable as $$
  select k.scope, k.subject, k.period, k.rank from (values
    ('project', '', p_day, 1), ('project', '', p_month, 2),
    ('user', p_user, p_day, 3), ('user', p_user, p_month, 4),
    ('feature', p_feature, p_day, 5), ('feature', p_feature, p_month, 6)
  ) as k(scope, subject, period, rank)
  where k.subject is not null
  order by k.scope, k.subject, k.period
$$;

-- Admits a turn: the user's burst bucket, the daily turn limit, then every budget cap
-- (`p_caps` in rank order: project day, project month, user day, user month, feature day,
-- feature month; null for none). On success the turn's worst-case cost is reserved on every
-- ledger row and it holds a turn slot; otherwise nothing but the burst bucket changes.
create or replace function genaug_admit_turn(
  p_response_id text, p_project text, p_day text, p_month text, p_user text, p_feature text,
  p_reserve numeric, p_turn_limit integer, p_caps numeric[],
  p_burst_key text, p_burst_interval_ms double precision, p_burst_period_ms double precision,
  p_now_ms double precision, p_now timestamptz)
returns table (ok boolean, reason text, scope text, subject text, period text, limit_value numeric, used numeric,
               reserved numeric, retry_after_ms double precision)
language plpgsql as $$
#variable_conflict use_column
declare
  v_allowed boolean;
  v_tat double precision;
  v_admitted integer;
  k record;
begin
  perform set_config('synchronous_commit', 'off', true);
  if p_burst_key is not null then
    select t.allowed, t.tat_ms into v_allowed, v_tat from genaug_take_rate_limit(p_burst_key, p_now_ms, p_burst_interval_ms, p_burst_period_ms) t;
    if not v_allowed then
      return query select false, 'user_rate_limit_exceeded'::text, 'user'::text, p_user, null::text, null::numeric, null::numeric,
        null::numeric, v_tat - p_burst_period_ms + p_burst_interval_ms - p_now_ms;
      return;
    end if;
  end if;

  insert into genaug_turn_counts (project_id, day) values (p_project, p_day) on conflict do nothing;
  select c.admitted into v_admitted from genaug_turn_counts c where c.project_id = p_project and c.day = p_day for update;
  if p_turn_limit is not null and v_admitted >= p_turn_limit then
    return query select false, 'daily_turn_limit_reached'::text, 'project'::text, ''::text, p_day, p_turn_limit::numeric,
      v_admitted::numeric, null::numeric, null::double precision;
    return;
  end if;

  insert into genaug_usage_ledger (project_id, scope, subject, period)
    select p_project, g.scope, g.subject, g.period from genaug_ledger_keys(p_day, p_month, p_user, p_feature) g
    on conflict do nothing;
  perform 1 from genaug_usage_ledger l
    join genaug_ledger_keys(p_day, p_month, p_user, p_feature) g using (scope, subject, period)
    where l.project_id = p_project order by l.scope, l.subject, l.period for update of l;

  for k in
    select g.scope, g.subject, g.period, p_caps[g.rank] as cap, l.spent_usd, l.reserved_usd
    from genaug_ledger_keys(p_day, p_month, p_user, p_feature) g
    join genaug_usage_ledger l on l.project_id = p_project and l.scope = g.scope and l.subject = g.subject and l.period = g.period
    where p_caps[g.rank] is not null
    order by g.rank
  loop
    if k.spent_usd + k.reserved_usd + p_reserve > k.cap then
      return query select false, k.scope || '_budget_exceeded', k.scope, k.subject, k.period, k.cap, k.spent_usd, k.reserved_usd,
        null::double precision;
      return;
    end if;
  end loop;

  update genaug_usage_ledger l set reserved_usd = l.reserved_usd + p_reserve
    from genaug_ledger_keys(p_day, p_month, p_user, p_feature) g
    where l.project_id = p_project and l.scope = g.scope and l.subject = g.subject and l.period = g.period;
  update genaug_turn_counts c set admitted = c.admitted + 1 where c.project_id = p_project and c.day = p_day;
  insert into genaug_turn_reservations (response_id, project_id, day, month, user_id, feature, reserved_usd, state, created_at)
    values (p_response_id, p_project, p_day, p_month, p_user, p_feature, p_reserve, 'held', p_now);
  return query select true, null::text, null::text, null::text, null::text, null::numeric, (v_admitted + 1)::numeric,
    null::numeric, null::double precision;
end $$;

-- Settles a turn with what it actually cost: its reservation is returned, its cost spent and
-- the turn counted. A turn settled twice counts once; a turn that was never admitted (or
-- whose reservation was released) is metered all the same. Returns the thresholds of
-- `p_turn_limit` this turn reached, each of them exactly once per project day.
create or replace function genaug_settle_turn(
  p_response_id text, p_project text, p_day text, p_month text, p_user text, p_feature text,
  p_cost numeric, p_messages integer, p_turn_limit integer, p_now timestamptz)
returns table (day text, threshold_percent integer, agent_turns_count integer, agent_turns_per_day integer, messages_count bigint)
language plpgsql as $$
#variable_conflict use_column
declare
  v_res genaug_turn_reservations%rowtype;
  v_holds boolean := false;
  v_release numeric := 0;
  v_counted integer;
  v_messages bigint;
  v_pct integer;
begin
  perform set_config('synchronous_commit', 'off', true);
  select * into v_res from genaug_turn_reservations r where r.response_id = p_response_id for update;
  if found then
    if v_res.state = 'settled' then return; end if;
    v_holds := v_res.state = 'held';
    if v_holds then v_release := v_res.reserved_usd; end if;
    update genaug_turn_reservations r set state = 'settled', cost_usd = p_cost, settled_at = p_now where r.response_id = p_response_id;
  else
    insert into genaug_turn_reservations (response_id, project_id, day, month, user_id, feature, reserved_usd, state, cost_usd, created_at, settled_at)
      values (p_response_id, p_project, p_day, p_month, p_user, p_feature, 0, 'settled', p_cost, p_now, p_now)
      returning * into v_res;
  end if;

  insert into genaug_turn_counts as c (project_id, day, admitted, counted, messages)
    values (v_res.project_id, v_res.day, 1, 1, p_messages)
    on conflict (project_id, day) do update set
      admitted = c.admitted + case when v_holds then 0 else 1 end,
      counted = c.counted + 1,
      messages = c.messages + p_messages
    returning c.counted, c.messages into v_counted, v_messages;

  insert into genaug_usage_ledger (project_id, scope, subject, period)
    select v_res.project_id, g.scope, g.subject, g.period from genaug_ledger_keys(v_res.day, v_res.month, v_res.user_id, v_res.feature) g
    on conflict do nothing;
  perform 1 from genaug_usage_ledger l
    join genaug_ledger_keys(v_res.day, v_res.month, v_res.user_id, v_res.feature) g using (scope, subject, period)
    where l.project_id = v_res.project_id order by l.scope, l.subject, l.period for update of l;
  update genaug_usage_ledger l set spent_usd = l.spent_usd + p_cost, reserved_usd = l.reserved_usd - v_release
    from genaug_ledger_keys(v_res.day, v_res.month, v_res.user_id, v_res.feature) g
    where l.project_id = v_res.project_id and l.scope = g.scope and l.subject = g.subject and l.period = g.period;

  if p_turn_limit is not null then
    foreach v_pct in array array[80, 100] loop
      if v_counted >= ceil(v_pct * p_turn_limit / 100.0) then
        insert into genaug_usage_thresholds (project_id, day, threshold_percent, agent_turns_count, agent_turns_per_day, messages_count, reached_at)
          values (v_res.project_id, v_res.day, v_pct, v_counted, p_turn_limit, v_messages, p_now)
          on conflict do nothing;
        if found then
          return query select v_res.day, v_pct, v_counted, p_turn_limit, v_messages;
        end if;
      end if;
    end loop;
  end if;
end $$;

-- Gives a held reservation and its turn slot back (the turn never ran). False when there
-- was nothing held.
create or replace function genaug_release_turn(p_response_id text, p_now timestamptz)
returns boolean
language plpgsql as $$
#variable_conflict use_column
declare
  v_res genaug_turn_reservations%rowtype;
begin
  perform set_config('synchronous_commit', 'off', true);
  select * into v_res from genaug_turn_reservations r where r.response_id = p_response_id for update;
  if not found or v_res.state <> 'held' then return false; end if;
  update genaug_turn_reservations r set state = 'released', settled_at = p_now where r.response_id = p_response_id;
  update genaug_turn_counts c set admitted = c.admitted - 1 where c.project_id = v_res.project_id and c.day = v_res.day;
  perform 1 from genaug_usage_ledger l
    join genaug_ledger_keys(v_res.day, v_res.month, v_res.user_id, v_res.feature) g using (scope, subject, period)
    where l.project_id = v_res.project_id order by l.scope, l.subject, l.period for update of l;
  update genaug_usage_ledger l set reserved_usd = l.reserved_usd - v_res.reserved_usd
    from genaug_ledger_keys(v_res.day, v_res.month, v_res.user_id, v_res.feature) g
    where l.project_id = v_res.project_id and l.scope = g.scope and l.subject = g.subject and l.period = g.period;
  return true;
end $$;
