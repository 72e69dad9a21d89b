import { z } from 'zod';
import { modelSettingsSchema } from '@genaug/models';

const budgetCapSchema = z
  .object({
    daily_usd: z.number().min(0).optional(),
    monthly_usd: z.number().min(0).optional(),
  })
  .strict();

/**
 * Rate limits, the plan's daily turn limit, LLM budget caps and the billing webhook, read by
 * libs/governance (its README documents them). Defined here rather than there because
 * governance reads project settings: importing back would make the two slices load each other.
 */
export const governanceSettingsSchema = z
  .object({
    /** Requests per minute per API key, over every /v1 route. */
    requests_per_minute: z.number().int().min(1).max(1_000_000).default(3000),
    /** Turns one app user may start within a window. */
    user_burst: z
      .object({
        requests: z.number().int().min(1).max(1_000_000).default(60),
        window_seconds: z.number().int().min(1).max(3600).default(10),
      })
      .strict()
      .prefault({}),
    /** The plan's daily limit on agent turns, in the project's time zone; null for none. */
    agent_turns_per_day: z.number().int().min(1).max(1_000_000_000).nullable().default(10_000),
    /** LLM spend caps in USD per day and per month; a cap left out does not apply. */
    budgets: z
      .object({ project: budgetCapSchema.optional(), user: budgetCapSchema.optional(), feature: budgetCapSchema.optional() })
      .strict()
      .prefault({}),
    /** Receives `usage.threshold` at 80% and 100% of agent_turns_per_day. */
    billing_webhook_url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).nullable().default(null),
  })
  .strict();

export type GovernanceSettings = z.output<typeof governanceSettingsSchema>;

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
    governance: governanceSettingsSchema.optional(),
    /** Memory in turns (see libs/memory). */
    memory: z.record(z.string(), z.unknown()).optional(),
    plan: z.string().min(1).max(64).optional(),
    pricing_tier: z.string().min(1).max(64).optional(),
  })
  .strict();

export type ProjectSettings = z.infer<typeof projectSettingsSchema>;
