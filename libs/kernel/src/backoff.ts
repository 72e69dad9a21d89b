export interface BackoffPolicy {
  backoffMs: number;
  maxBackoffMs: number;
}

/** The longest wait before retry number `retry` (0 for the first): doubling from `backoffMs`, capped. */
export const backoffCeilingMs = (retry: number, policy: BackoffPolicy): number => Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** retry);

/**
 * How long to wait before retry number `retry` (0 for the first retry): exponential with
 * "equal jitter" (half fixed, half random), so retries spread out but never come back at once.
 * An upstream's Retry-After wins; when it asks for longer than the policy allows, the answer is
 * undefined: better to move on to the next model than to keep the turn waiting.
 */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number, retryAfterMs?: number): number | undefined {
  if (retryAfterMs !== undefined) return retryAfterMs <= policy.maxBackoffMs ? Math.ceil(retryAfterMs) : undefined;
  const ceiling = backoffCeilingMs(retry, policy);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
