import { AppError } from '@genaug/kernel';
import type { ModelUsage } from '../model-stream';

/** One try of one model, as a ModelCalled event records it. */
export interface ModelAttempt {
  /** The provider's name in the project's settings, e.g. "openai". */
  provider: string;
  model: string;
  startedAt: string;
  latencyMs: number;
  outcome: 'ok' | 'error' | 'timeout';
  /**
   * Tokens the upstream reported when it answered; for an attempt cut off mid-answer (which
   * reports none), an estimate from what it had produced (`usageEstimated`).
   */
  usage?: ModelUsage;
  usageEstimated?: boolean;
  costUsd: number;
  /** Why it failed, e.g. "429 Rate limit reached"; never a key or the conversation. */
  error?: string;
  /** The upstream's HTTP status, when it answered with an error. */
  status?: number;
}

// Upstreams quote (partly masked) keys in their errors, e.g. "Incorrect API key provided: sk-ab***yz".
const SECRET = /\b(?:Bearer\s+\S+|(?:sk|pk|rk|ak|ant|key)[-_][\w*.-]{6,})/gi;
const ERROR_MESSAGE_LIMIT = 300;

/** An upstream's error message as attempts record it: short, and with anything key-like removed. */
export function attemptError(message: string): string {
  return message.replace(SECRET, '[redacted]').slice(0, ERROR_MESSAGE_LIMIT);
}

/** Every model failed: 504 when the last one timed out, 502 otherwise. */
export class ModelCallFailed extends AppError {
  constructor(
    readonly attempts: readonly ModelAttempt[],
    timedOut: boolean,
    message: string,
  ) {
    super(timedOut ? 504 : 502, timedOut ? 'upstream_timeout' : 'upstream_error', message);
    this.name = 'ModelCallFailed';
  }
}
