import { createHmac } from 'crypto';

/**
 * A project's webhook signing secret, derived from the master key: nothing to store or leak
 * from the database, and every process computes the same one. Rotating the master key
 * rotates every project's secret.
 */
export function signingSecret(masterKey: Buffer, projectId: string): string {
  return `whsec_${createHmac('sha256', masterKey).update(`genaug-webhook-signing:${projectId}`).digest('base64url')}`;
}
