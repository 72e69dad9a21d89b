import { z } from 'zod';

/** The `usage.threshold` webhook body, as the integration guide documents it. */
export const usageThresholdPayloadSchema = z
  .object({
    event: z.literal('usage.threshold'),
    project_id: z.string(),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    plan: z.string(),
    pricing_tier: z.string(),
    threshold_percent: z.union([z.literal(80), z.literal(100)]),
    agent_turns_count: z.number().int().min(0),
    agent_turns_per_day: z.number().int().min(1),
    messages_count: z.number().int().min(0),
  })
  .strict();

export type UsageThresholdPayload = z.infer<typeof usageThresholdPayloadSchema>;

/** Plan and pricing tier when the project's settings name none. */
export const DEFAULT_PLAN = 'default';
export const DEFAULT_PRICING_TIER = 'default';
