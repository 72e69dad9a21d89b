import { z } from 'zod';
import { ConfigError, type Clock } from '@genaug/kernel';

export const GOVERNANCE_OPTIONS = Symbol('GOVERNANCE_OPTIONS');

export interface GovernanceOptions {
  /** Rate limits, plan limits and budgets are enforced; off only for benchmarks and trusted single-tenant setups. */
  enabled: boolean;
  clock: Clock;
  /** This process runs the worker role: it sweeps stale reservations and records thresholds left behind. */
  runWorkers: boolean;
}

const governanceEnvSchema = z.object({
  GENAUG_GOVERNANCE: z.enum(['on', 'off']).default('on'),
});

/** `GENAUG_GOVERNANCE=on|off` (default on), validated at start-up. */
export function governanceEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = governanceEnvSchema.safeParse(present);
  if (!result.success) throw new ConfigError(`Invalid configuration: GENAUG_GOVERNANCE ${result.error.issues[0].message}`);
  return result.data.GENAUG_GOVERNANCE === 'on';
}
