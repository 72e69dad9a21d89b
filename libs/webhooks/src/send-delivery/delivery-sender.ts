import { Inject, Injectable } from '@nestjs/common';
import { logger } from '@genaug/kernel';
import { EventStore, fold, WrongExpectedVersionError } from '@genaug/event-store';
import { deliveryDecider } from '../delivery.decider';
import { WebhookDeliveries } from '../request-delivery/webhook-deliveries';
import { signingSecret } from '../signing/signing-secrets';
import { deliveryStream } from '../webhook.events';
import { WEBHOOKS_OPTIONS, type WebhooksOptions } from '../webhooks.options';
import { DeliveryQueue } from './delivery-queue';
import { sendWebhook } from './webhook-sender';

/** Attempts in flight at once per process. */
const BATCH = 8;

/**
 * The worker that sends deliveries: claims those due (by the injected clock), makes one
 * attempt each, and records it on the delivery's stream at the version it read, so an
 * attempt is recorded once even if two workers raced; then reschedules or closes it.
 */
@Injectable()
export class DeliverySender {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private pending = false;

  constructor(
    @Inject(WEBHOOKS_OPTIONS) private readonly options: WebhooksOptions,
    private readonly deliveries: WebhookDeliveries,
    private readonly queue: DeliveryQueue,
    private readonly store: EventStore,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  /** Look for due deliveries now rather than at the next poll. */
  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  /** One round: attempts every delivery due now; returns how many were attempted. */
  async sendDue(): Promise<number> {
    const ids = await this.queue.claimDue(this.options.clock.now(), BATCH);
    await Promise.all(ids.map((id) => this.attempt(id)));
    return ids.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sent = 0;
      this.pending = false;
      try {
        sent = await this.sendDue();
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'webhook delivery round failed');
      }
      if (!sent && !this.pending) await this.sleep(this.options.pollMs);
    }
  }

  private async attempt(deliveryId: string): Promise<void> {
    try {
      const { state, version, projectId } = await this.deliveries.load(deliveryId);
      if (state.status !== 'pending' || !state.requested || !projectId) {
        await this.queue.remove(deliveryId);
        return;
      }
      const at = this.options.clock.now();
      const secret = signingSecret(this.options.masterKey, projectId);
      const result = await sendWebhook(state.requested, state.attempts + 1, secret, at, this.options.timeoutMs);
      const events = deliveryDecider.decide({ type: 'RecordAttempt', result, at }, state);
      try {
        await this.store.append(
          deliveryStream(deliveryId),
          events.map((e) => ({ ...e, metadata: { project_id: projectId, actor: 'system:webhooks', causation_id: deliveryId } })),
          { expectedVersion: version },
        );
      } catch (err) {
        // Another worker recorded this attempt first; its schedule stands.
        if (err instanceof WrongExpectedVersionError) return;
        throw err;
      }
      const next = fold(deliveryDecider, events, state);
      if (next.status === 'pending' && next.nextAttemptAt) await this.queue.reschedule(deliveryId, new Date(next.nextAttemptAt));
      else await this.queue.remove(deliveryId);
      logger.info({ delivery_id: deliveryId, attempt: next.attempts, status: next.status, status_code: result.statusCode }, 'webhook attempt');
    } catch (err) {
      // The claim expires and the delivery is tried again.
      logger.error({ delivery_id: deliveryId, err: (err as Error).message }, 'webhook attempt failed');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
