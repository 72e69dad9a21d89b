import type { AttemptResult } from '../delivery.decider';
import { SIGNATURE_HEADER, signWebhook } from '../signing/webhook-signature';
import type { DeliveryRequestedData } from '../webhook.events';

const USER_AGENT = 'GeneralAugment-Webhooks/1.0';
const ERROR_LIMIT = 300;

/**
 * One attempt: POSTs the payload as JSON, signed with the project's secret, carrying the
 * event id as the idempotency key. Redirects are not followed: the configured URL is the one
 * that must answer 2xx.
 */
export async function sendWebhook(
  delivery: DeliveryRequestedData,
  attempt: number,
  secret: string,
  at: Date,
  timeoutMs: number,
): Promise<AttemptResult> {
  const body = JSON.stringify(delivery.payload);
  const started = performance.now();
  const durationMs = () => Math.round((performance.now() - started) * 100) / 100;
  try {
    const res = await fetch(delivery.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'idempotency-key': delivery.event_id,
        'x-general-augment-event': delivery.event,
        'x-general-augment-event-id': delivery.event_id,
        'x-general-augment-delivery': delivery.delivery_id,
        'x-general-augment-attempt': String(attempt),
        [SIGNATURE_HEADER]: signWebhook(secret, body, at),
      },
      body,
    });
    // The receiver's body is neither needed nor kept; read it so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return { statusCode: res.status, error: ok ? null : `HTTP ${res.status}`, durationMs: durationMs() };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { statusCode: null, error: String(reason).slice(0, ERROR_LIMIT), durationMs: durationMs() };
  }
}
