import type { Pool } from 'pg';

/** How long a sender owns a claimed delivery before another may take it: above any attempt's timeout. */
const CLAIM_MS = 60_000;

/** Deliveries due for an attempt, shared by every worker (see 001-webhooks.sql). */
export class DeliveryQueue {
  constructor(private readonly pool: Pool) {}

  /** Idempotent: a delivery already queued keeps its schedule. */
  async enqueue(rows: { deliveryId: string; projectId: string; dueAt: Date }[]): Promise<void> {
    if (!rows.length) return;
    await this.pool.query(
      `insert into genaug_webhook_queue (delivery_id, project_id, due_at)
       select * from unnest($1::text[], $2::text[], $3::timestamptz[]) on conflict do nothing`,
      [rows.map((r) => r.deliveryId), rows.map((r) => r.projectId), rows.map((r) => r.dueAt)],
    );
  }

  /** Claims up to `limit` deliveries due at `now` that nobody holds. */
  async claimDue(now: Date, limit: number): Promise<string[]> {
    const res = await this.pool.query(
      `update genaug_webhook_queue set claimed_until = $2
       where delivery_id in (
         select delivery_id from genaug_webhook_queue
         where due_at <= $1 and (claimed_until is null or claimed_until <= $1)
         order by due_at limit $3 for update skip locked)
       returning delivery_id`,
      [now, new Date(now.getTime() + CLAIM_MS), limit],
    );
    return res.rows.map((r) => r.delivery_id);
  }

  async reschedule(deliveryId: string, dueAt: Date): Promise<void> {
    await this.pool.query('update genaug_webhook_queue set due_at = $2, claimed_until = null where delivery_id = $1', [deliveryId, dueAt]);
  }

  async remove(deliveryId: string): Promise<void> {
    await this.pool.query('delete from genaug_webhook_queue where delivery_id = $1', [deliveryId]);
  }
}
