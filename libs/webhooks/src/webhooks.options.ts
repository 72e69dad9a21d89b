import type { Clock } from '@genaug/kernel';

export const WEBHOOKS_OPTIONS = Symbol('WEBHOOKS_OPTIONS');

export interface WebhooksOptions {
  clock: Clock;
  /** Signing secrets are derived from it. */
  masterKey: Buffer;
  /** This process sends deliveries (the worker role). */
  runWorkers: boolean;
  /** How often the sender looks for due deliveries. */
  pollMs: number;
  /** The longest wait for a receiver's answer. */
  timeoutMs: number;
}
