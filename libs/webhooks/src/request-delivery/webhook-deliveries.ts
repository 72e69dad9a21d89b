import { Inject, Injectable } from '@nestjs/common';
import { derivedId } from '@genaug/kernel';
import { EventStore, fold, WrongExpectedVersionError } from '@genaug/event-store';
import { deliveryDecider, type DeliveryState } from '../delivery.decider';
import { deliveryStream, type DeliveryEvent } from '../webhook.events';
import { WEBHOOKS_OPTIONS, type WebhooksOptions } from '../webhooks.options';

export interface DeliveryRequest {
  projectId: string;
  /** Names this delivery within the project: requesting the same key again delivers nothing new. */
  key: string;
  /** The webhook's event name, e.g. `usage.threshold`. */
  event: string;
  /** Stable id receivers deduplicate on. */
  eventId: string;
  url: string;
  payload: Record<string, unknown>;
  /** The event that caused the delivery. */
  causationId?: string;
}

/**
 * The delivery's id comes from its key, not from a fresh UUIDv7: the first request creates
 * the stream (expected version "no stream") and any repeat, from a redelivered event or a
 * second process, finds it taken. That is what makes each webhook exactly one delivery.
 */
export function deliveryIdFor(projectId: string, key: string): string {
  return derivedId('dlv', `${projectId}\n${key}`);
}

/** Asks for signed deliveries; the worker sends them and retries until they land. */
@Injectable()
export class WebhookDeliveries {
  constructor(
    private readonly store: EventStore,
    @Inject(WEBHOOKS_OPTIONS) private readonly options: WebhooksOptions,
  ) {}

  async request(req: DeliveryRequest): Promise<{ deliveryId: string; created: boolean }> {
    const deliveryId = deliveryIdFor(req.projectId, req.key);
    const [event] = deliveryDecider.decide(
      {
        type: 'RequestDelivery',
        data: { delivery_id: deliveryId, event: req.event, event_id: req.eventId, url: req.url, payload: req.payload },
        at: this.options.clock.now(),
      },
      deliveryDecider.initialState(),
    );
    try {
      await this.store.append(
        deliveryStream(deliveryId),
        [{ ...event, metadata: { project_id: req.projectId, actor: 'system:webhooks', ...(req.causationId ? { causation_id: req.causationId } : {}) } }],
        { expectedVersion: 'no_stream' },
      );
      return { deliveryId, created: true };
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) return { deliveryId, created: false };
      throw err;
    }
  }

  /** A delivery's state, stream version and project, from its events. */
  async load(deliveryId: string): Promise<{ state: DeliveryState; version: number; projectId: string | null }> {
    const events = await this.store.readStream(deliveryStream(deliveryId));
    return {
      state: fold(deliveryDecider, events.map((e) => ({ type: e.type, data: e.data }) as DeliveryEvent)),
      version: events.length ? events[events.length - 1].streamVersion : 0,
      projectId: events[0]?.projectId ?? null,
    };
  }
}
