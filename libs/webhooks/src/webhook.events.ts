import { z } from 'zod';
import { registerEvents, type DomainEvent } from '@genaug/event-store';

// One stream per outbound delivery, `delivery-{id}`: what is to be sent where, then every
// attempt with its outcome, then delivered or abandoned. The delivery log is its projection.

const deliveryRequested = z.object({
  delivery_id: z.string().startsWith('dlv_'),
  /** The webhook's event name, e.g. `usage.threshold`. */
  event: z.string().min(1),
  /** Stable across attempts: receivers deduplicate on it. */
  event_id: z.string().uuid(),
  url: z.url(),
  payload: z.record(z.string(), z.unknown()),
  requested_at: z.string(),
});

const deliveryAttempted = z.object({
  attempt: z.number().int().min(1),
  /** The receiver's HTTP status; null when it could not be reached or did not answer in time. */
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number().min(0),
  attempted_at: z.string(),
  /** When the next attempt is due; null once delivered or abandoned. */
  next_attempt_at: z.string().nullable(),
});

const delivered = z.object({ attempts: z.number().int().min(1), delivered_at: z.string() });
const deliveryAbandoned = z.object({ attempts: z.number().int().min(1), reason: z.string(), abandoned_at: z.string() });

registerEvents({
  WebhookDeliveryRequested: deliveryRequested,
  WebhookDeliveryAttempted: deliveryAttempted,
  WebhookDelivered: delivered,
  WebhookDeliveryAbandoned: deliveryAbandoned,
});

export type DeliveryRequestedData = z.infer<typeof deliveryRequested>;
export type DeliveryAttemptedData = z.infer<typeof deliveryAttempted>;
export type DeliveredData = z.infer<typeof delivered>;
export type DeliveryAbandonedData = z.infer<typeof deliveryAbandoned>;

export type DeliveryEvent =
  | DomainEvent<'WebhookDeliveryRequested', DeliveryRequestedData>
  | DomainEvent<'WebhookDeliveryAttempted', DeliveryAttemptedData>
  | DomainEvent<'WebhookDelivered', DeliveredData>
  | DomainEvent<'WebhookDeliveryAbandoned', DeliveryAbandonedData>;

export const DELIVERY_EVENT_TYPES = ['WebhookDeliveryRequested', 'WebhookDeliveryAttempted', 'WebhookDelivered', 'WebhookDeliveryAbandoned'];

export const deliveryStream = (deliveryId: string) => `delivery-${deliveryId}`;
