import { z } from 'zod';
import { modelSettingsSchema } from '@genaug/models';

/**
 * A project's settings. Each section belongs to the slice that reads it; unknown sections
 * are refused so a typo is a 400, not a silently ignored setting.
 */
export const projectSettingsSchema = z
  .object({
    /** IANA time zone for daily limits and usage days. */
    timezone: z
      .string()
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'must be an IANA time zone such as UTC or Europe/Paris')
      .default('UTC'),
    /** Model tiers (ordered fallbacks), models a request may name, providers and prices (see libs/models). */
    models: modelSettingsSchema.optional(),
    /** Rate limits, plan limits, budgets and the billing webhook (see libs/governance). */
    governance: z.record(z.string(), z.unknown()).optional(),
    /** Memory in turns (see libs/memory). */
    memory: z.record(z.string(), z.unknown()).optional(),
    plan: z.string().min(1).max(64).optional(),
    pricing_tier: z.string().min(1).max(64).optional(),
  })
  .strict();

export type ProjectSettings = z.infer<typeof projectSettingsSchema>;
