import type { PoolClient } from 'pg';
import type { Projection, StoredEvent } from '@genaug/event-store';
import { DELIVERY_EVENT_TYPES } from '../webhook.events';

/** The delivery log: one row per delivery with every attempt, for the admin API. */
export const deliveryLogProjection: Projection = {
  name: 'webhook-delivery-log',
  types: DELIVERY_EVENT_TYPES,
  tables: ['genaug_webhook_deliveries'],
  async setup(client: PoolClient) {
    await client.query(`
      create table if not exists genaug_webhook_deliveries (
        delivery_id     text primary key,
        project_id      text not null,
        event           text not null,
        event_id        uuid not null,
        url             text not null,
        status          text not null,
        attempts        jsonb not null default '[]'::jsonb,
        next_attempt_at timestamptz,
        created_at      timestamptz not null,
        delivered_at    timestamptz,
        abandoned_reason text
      );
      create index if not exists genaug_webhook_deliveries_project on genaug_webhook_deliveries (project_id, created_at desc, delivery_id desc);`);
  },
  async apply(events: StoredEvent[], client: PoolClient) {
    for (const e of events) {
      const id = e.streamId.slice('delivery-'.length);
      const d = e.data;
      switch (e.type) {
        case 'WebhookDeliveryRequested':
          await client.query(
            `insert into genaug_webhook_deliveries (delivery_id, project_id, event, event_id, url, status, next_attempt_at, created_at)
             values ($1, $2, $3, $4, $5, 'pending', $6, $6) on conflict do nothing`,
            [id, e.projectId, d.event, d.event_id, d.url, d.requested_at],
          );
          break;
        case 'WebhookDeliveryAttempted':
          await client.query(
            `update genaug_webhook_deliveries set attempts = attempts || $2::jsonb, next_attempt_at = $3 where delivery_id = $1`,
            [id, JSON.stringify([d]), d.next_attempt_at],
          );
          break;
        case 'WebhookDelivered':
          await client.query(`update genaug_webhook_deliveries set status = 'delivered', delivered_at = $2, next_attempt_at = null where delivery_id = $1`, [
            id,
            d.delivered_at,
          ]);
          break;
        case 'WebhookDeliveryAbandoned':
          await client.query(
            `update genaug_webhook_deliveries set status = 'abandoned', abandoned_reason = $2, next_attempt_at = null where delivery_id = $1`,
            [id, d.reason],
          );
          break;
      }
    }
  },
};
