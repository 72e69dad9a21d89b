import { ConfigError } from '@genaug/kernel';
import { z } from 'zod';
import { modelRefSchema, providerOf, isProviderKind } from './model-settings';

// Server-wide model defaults from the environment, validated once at start-up. Projects
// override any of them in their model settings.

const refList = z
  .string()
  .transform((value) => value.split(',').map((ref) => ref.trim()).filter(Boolean))
  .pipe(
    z
      .array(modelRefSchema.refine((ref) => isProviderKind(providerOf(ref)), 'must name provider local, openai or anthropic'))
      .min(1),
  );

export const modelEnvSchema = z.object({
  OPENAI_API_KEY: z.string().min(1).optional(),
  GENAUG_OPENAI_BASE_URL: z.url().default('https://api.openai.com/v1'),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  GENAUG_ANTHROPIC_BASE_URL: z.url().default('https://api.anthropic.com'),
  GENAUG_MODEL_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(30_000),
  GENAUG_MODEL_ANSWER_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(120_000),
  GENAUG_MODEL_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  GENAUG_MODEL_BACKOFF_MS: z.coerce.number().int().min(0).max(60_000).default(250),
  GENAUG_MODEL_MAX_BACKOFF_MS: z.coerce.number().int().min(0).max(300_000).default(4_000),
  GENAUG_TIER_SIMPLE: refList.optional(),
  GENAUG_TIER_BALANCED: refList.optional(),
  GENAUG_TIER_COMPLEX: refList.optional(),
});

export type ModelEnv = z.output<typeof modelEnvSchema>;

export function loadModelEnv(env: NodeJS.ProcessEnv = process.env): ModelEnv {
  // Unset and empty are the same thing for an environment variable.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = modelEnvSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`Invalid configuration: ${issue.path.join('.')} ${issue.message}`);
  }
  return result.data;
}
