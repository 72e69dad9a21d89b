import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@genaug/event-store';
import type { DeliveryAttemptedData } from '../webhook.events';

export interface DeliveryView {
  id: string;
  object: 'webhook_delivery';
  project_id: string;
  event: string;
  event_id: string;
  url: string;
  status: 'pending' | 'delivered' | 'abandoned';
  attempts: DeliveryAttemptedData[];
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
  abandoned_reason: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const toView = (r: any): DeliveryView => ({
  id: r.delivery_id,
  object: 'webhook_delivery',
  project_id: r.project_id,
  event: r.event,
  event_id: r.event_id,
  url: r.url,
  status: r.status,
  attempts: r.attempts,
  next_attempt_at: iso(r.next_attempt_at),
  created_at: r.created_at.toISOString(),
  delivered_at: iso(r.delivered_at),
  abandoned_reason: r.abandoned_reason,
});

export interface DeliveryQuery {
  limit: number;
  /** Cursor: the last delivery id of the previous page. */
  after?: string;
  status?: string;
  event?: string;
}

/** Queries over the delivery log, newest first. */
@Injectable()
export class DeliveryLog {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async list(projectId: string, q: DeliveryQuery): Promise<DeliveryView[]> {
    const res = await this.pool.query(
      `select * from genaug_webhook_deliveries d
       where d.project_id = $1 and ($2::text is null or d.status = $2) and ($3::text is null or d.event = $3)
         and ($4::text is null or (d.created_at, d.delivery_id) <
              (select c.created_at, c.delivery_id from genaug_webhook_deliveries c where c.delivery_id = $4 and c.project_id = $1))
       order by d.created_at desc, d.delivery_id desc limit $5`,
      [projectId, q.status ?? null, q.event ?? null, q.after ?? null, q.limit],
    );
    return res.rows.map(toView);
  }

  async find(projectId: string, deliveryId: string): Promise<DeliveryView | null> {
    const res = await this.pool.query('select * from genaug_webhook_deliveries where project_id = $1 and delivery_id = $2', [projectId, deliveryId]);
    return res.rowCount ? toView(res.rows[0]) : null;
  }
}
