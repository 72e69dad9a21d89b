-- Deliveries waiting for their next attempt. A sender claims due rows (skip locked, with a
-- claim that expires), so several workers share the queue and a crashed one's claims return.
create table if not exists genaug_webhook_queue (
  delivery_id   text primary key,
  project_id    text not null,
  due_at        timestamptz not null,
  claimed_until timestamptz
);
create index if not exists genaug_webhook_queue_due on genaug_webhook_queue (due_at);
