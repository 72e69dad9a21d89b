import { spec } from '../../event-store/src/decider-spec';
import { deliveryDecider, MAX_ATTEMPTS, retryDelayMs, type DeliveryCommand } from '@genaug/webhooks';
import type { DeliveryEvent } from '@genaug/webhooks';

const at = new Date('2026-03-10T12:00:00Z');
const requested: DeliveryEvent = {
  type: 'WebhookDeliveryRequested',
  data: {
    delivery_id: 'dlv_1',
    event: 'usage.threshold',
    event_id: '0195f3b4-0000-8000-8000-000000000001',
    url: 'http://127.0.0.1:9/hook',
    payload: { event: 'usage.threshold' },
    requested_at: at.toISOString(),
  },
};
const attempt = (statusCode: number | null, error: string | null = statusCode === null ? 'ECONNREFUSED' : null): DeliveryCommand => ({
  type: 'RecordAttempt',
  result: { statusCode, error, durationMs: 3 },
  at,
});
const failed = (n: number): DeliveryEvent => ({
  type: 'WebhookDeliveryAttempted',
  data: { attempt: n, status_code: 503, error: 'HTTP 503', duration_ms: 3, attempted_at: at.toISOString(), next_attempt_at: at.toISOString() },
});

describe('webhook delivery', () => {
  it('is requested once', () => {
    const request: DeliveryCommand = { type: 'RequestDelivery', data: { ...requested.data }, at };
    spec(deliveryDecider).given([]).when(request).then([requested]);
    spec(deliveryDecider).given([requested]).when(request).then([]);
  });

  it('is delivered by the first 2xx', () => {
    spec(deliveryDecider)
      .given([requested])
      .when(attempt(204))
      .then([
        {
          type: 'WebhookDeliveryAttempted',
          data: { attempt: 1, status_code: 204, error: null, duration_ms: 3, attempted_at: at.toISOString(), next_attempt_at: null },
        },
        { type: 'WebhookDelivered', data: { attempts: 1, delivered_at: at.toISOString() } },
      ]);
  });

  it('retries a failure with a growing delay', () => {
    spec(deliveryDecider)
      .given([requested, failed(1), failed(2)])
      .when(attempt(null))
      .then([
        {
          type: 'WebhookDeliveryAttempted',
          data: {
            attempt: 3,
            status_code: null,
            error: 'ECONNREFUSED',
            duration_ms: 3,
            attempted_at: at.toISOString(),
            next_attempt_at: new Date(at.getTime() + 90_000).toISOString(),
          },
        },
      ]);
    expect([1, 2, 3, 8].map(retryDelayMs)).toEqual([10_000, 30_000, 90_000, 3_600_000]);
  });

  it('is abandoned after the last attempt, and then left alone', () => {
    const history = [requested, ...Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => failed(i + 1))];
    spec(deliveryDecider)
      .given(history)
      .when(attempt(500, 'HTTP 500'))
      .then((events) => {
        expect(events.map((e) => e.type)).toEqual(['WebhookDeliveryAttempted', 'WebhookDeliveryAbandoned']);
        expect(events[1].data).toMatchObject({ attempts: MAX_ATTEMPTS, reason: expect.stringContaining('HTTP 500') });
      });
    const delivered: DeliveryEvent = { type: 'WebhookDelivered', data: { attempts: 1, delivered_at: at.toISOString() } };
    spec(deliveryDecider).given([requested, delivered]).when(attempt(200)).then([]);
  });
});
