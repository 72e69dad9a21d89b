import { Injectable } from '@nestjs/common';
import type { Reactor, StoredEvent } from '@genaug/event-store';
import type { DeliveryRequestedData } from '../webhook.events';
import { DeliveryQueue } from './delivery-queue';
import { DeliverySender } from './delivery-sender';

/** Queues each requested delivery for its first attempt (idempotent: a queued one keeps its place). */
@Injectable()
export class DeliveryRequests implements Reactor {
  readonly name = 'webhook-delivery-requests';
  readonly types = ['WebhookDeliveryRequested'];

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly sender: DeliverySender,
  ) {}

  async react(events: StoredEvent<DeliveryRequestedData>[]): Promise<void> {
    const rows = events
      .filter((e) => e.projectId)
      .map((e) => ({ deliveryId: e.data.delivery_id, projectId: e.projectId!, dueAt: new Date(e.data.requested_at) }));
    await this.queue.enqueue(rows);
    if (rows.length) this.sender.wake();
  }
}
