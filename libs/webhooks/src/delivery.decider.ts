import type { Decider } from '@genaug/event-store';
import type { DeliveryEvent, DeliveryRequestedData } from './webhook.events';

/** Attempts before a delivery is abandoned: about four hours of retries. */
export const MAX_ATTEMPTS = 10;

/** Wait after failed attempt `n` (1-based): 10 s, 30 s, 90 s, … tripling, at most an hour. */
export function retryDelayMs(attempt: number): number {
  return Math.min(10_000 * 3 ** (attempt - 1), 3_600_000);
}

export interface DeliveryState {
  status: 'none' | 'pending' | 'delivered' | 'abandoned';
  requested: DeliveryRequestedData | null;
  attempts: number;
  nextAttemptAt: string | null;
}

export interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export type DeliveryCommand =
  | { type: 'RequestDelivery'; data: Omit<DeliveryRequestedData, 'requested_at'>; at: Date }
  | { type: 'RecordAttempt'; result: AttemptResult; at: Date };

export const isSuccess = (statusCode: number | null) => statusCode !== null && statusCode >= 200 && statusCode < 300;

/** A delivery's life: requested once, attempted until a 2xx or MAX_ATTEMPTS, then closed. */
export const deliveryDecider: Decider<DeliveryState, DeliveryCommand, DeliveryEvent> = {
  initialState: () => ({ status: 'none', requested: null, attempts: 0, nextAttemptAt: null }),

  evolve(state, event) {
    switch (event.type) {
      case 'WebhookDeliveryRequested':
        return { ...state, status: 'pending', requested: event.data, nextAttemptAt: event.data.requested_at };
      case 'WebhookDeliveryAttempted':
        return { ...state, attempts: event.data.attempt, nextAttemptAt: event.data.next_attempt_at };
      case 'WebhookDelivered':
        return { ...state, status: 'delivered', nextAttemptAt: null };
      case 'WebhookDeliveryAbandoned':
        return { ...state, status: 'abandoned', nextAttemptAt: null };
    }
  },

  decide(command, state) {
    const at = command.at.toISOString();
    if (command.type === 'RequestDelivery') {
      return state.status === 'none' ? [{ type: 'WebhookDeliveryRequested', data: { ...command.data, requested_at: at } }] : [];
    }
    if (state.status !== 'pending') return [];
    const attempt = state.attempts + 1;
    const { statusCode, error, durationMs } = command.result;
    const closed = isSuccess(statusCode) || attempt >= MAX_ATTEMPTS;
    const attempted: DeliveryEvent = {
      type: 'WebhookDeliveryAttempted',
      data: {
        attempt,
        status_code: statusCode,
        error,
        duration_ms: durationMs,
        attempted_at: at,
        next_attempt_at: closed ? null : new Date(command.at.getTime() + retryDelayMs(attempt)).toISOString(),
      },
    };
    if (isSuccess(statusCode)) return [attempted, { type: 'WebhookDelivered', data: { attempts: attempt, delivered_at: at } }];
    if (attempt >= MAX_ATTEMPTS) {
      const last = error ?? `HTTP ${statusCode}`;
      return [attempted, { type: 'WebhookDeliveryAbandoned', data: { attempts: attempt, reason: `No 2xx after ${attempt} attempts; last: ${last}`, abandoned_at: at } }];
    }
    return [attempted];
  },
};
