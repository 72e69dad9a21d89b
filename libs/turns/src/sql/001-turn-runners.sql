-- Every process that runs turns keeps a row here alive while it runs (RunnerHeartbeat). A turn
-- whose runner stopped beating died with its process, and the worker takes it over.
create table if not exists genaug_turn_runners (
  runner_id text primary key,
  started_at timestamptz not null default now(),
  seen_at timestamptz not null default now()
);
