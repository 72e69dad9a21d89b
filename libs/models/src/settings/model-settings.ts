import { z } from 'zod';

// A project's model settings: which provider models serve each tier (in fallback order),
// which models a request may name directly, provider endpoints and call policy, and prices.
// Everything is optional; what a project leaves out comes from the server's environment
// (see model-env.ts) and then from the built-in defaults (the local models).

export const TIERS = ['simple', 'balanced', 'complex'] as const;
export type Tier = (typeof TIERS)[number];

export const PROVIDER_KINDS = ['local', 'openai', 'anthropic'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

const providerName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lowercase letters, digits, "-" or "_"');

/** "provider/model", e.g. "openai/gpt-4o-mini"; the model part may itself contain slashes. */
export const modelRefSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*\/\S+$/, 'must be "provider/model", e.g. "openai/gpt-4o-mini"');

export const providerSettingsSchema = z
  .object({
    /** Needed for a provider of your own name; the built-in names imply their kind. */
    kind: z.enum(PROVIDER_KINDS).optional(),
    baseUrl: z.url().optional(),
    apiKey: z.string().min(1).optional(),
    /** The longest wait for the model's next streamed event, the first one included. */
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
    /**
     * The longest wait for a whole answer asked for in one response (a turn nobody streams):
     * nothing arrives until the model has finished, so it must allow for long answers.
     */
    answerTimeoutMs: z.number().int().min(1).max(600_000).optional(),
    /** Retries of the same model on 429, 5xx and connection errors, before the next model. */
    maxRetries: z.number().int().min(0).max(10).optional(),
    backoffMs: z.number().int().min(0).max(60_000).optional(),
    maxBackoffMs: z.number().int().min(0).max(300_000).optional(),
  })
  .strict();

export const modelPriceSchema = z
  .object({
    inputPerMillion: z.number().min(0),
    outputPerMillion: z.number().min(0),
    cachedInputPerMillion: z.number().min(0).optional(),
  })
  .strict();

const tierList = z.array(modelRefSchema).min(1, 'needs at least one model');

export const modelSettingsSchema = z
  .object({
    tiers: z
      .object({ simple: tierList.optional(), balanced: tierList.optional(), complex: tierList.optional() })
      .strict()
      .prefault({}),
    /** Models a request may name directly, besides those in the tiers. */
    allowedModels: z.array(modelRefSchema).default([]),
    providers: z.record(providerName, providerSettingsSchema).default({}),
    /** USD per million tokens, keyed by model name or "provider/model"; merged over the defaults. */
    prices: z.record(z.string().min(1), modelPriceSchema).default({}),
  })
  .strict()
  .superRefine((settings, ctx) => {
    for (const [name, provider] of Object.entries(settings.providers)) {
      if (!provider.kind && !isProviderKind(name)) {
        ctx.addIssue({ code: 'custom', path: ['providers', name, 'kind'], message: 'is required for a provider of your own name' });
      }
    }
    // A ref without a provider part already failed its format check.
    const known = (ref: string) => !ref.includes('/') || isProviderKind(providerOf(ref)) || providerOf(ref) in settings.providers;
    for (const tier of TIERS) {
      settings.tiers[tier]?.forEach((ref, i) => {
        if (!known(ref)) ctx.addIssue({ code: 'custom', path: ['tiers', tier, i], message: `names unknown provider "${providerOf(ref)}"` });
      });
    }
    settings.allowedModels.forEach((ref, i) => {
      if (!known(ref)) ctx.addIssue({ code: 'custom', path: ['allowedModels', i], message: `names unknown provider "${providerOf(ref)}"` });
    });
  });

export type ModelSettings = z.output<typeof modelSettingsSchema>;
export type ModelSettingsInput = z.input<typeof modelSettingsSchema>;
export type ProviderSettings = z.output<typeof providerSettingsSchema>;
export type ModelPriceSettings = z.output<typeof modelPriceSchema>;

export const isTier = (value: string): value is Tier => (TIERS as readonly string[]).includes(value);
export const isProviderKind = (value: string): value is ProviderKind => (PROVIDER_KINDS as readonly string[]).includes(value);

export interface ModelRef {
  provider: string;
  model: string;
}

export function providerOf(ref: string): string {
  return ref.slice(0, ref.indexOf('/'));
}

export function parseModelRef(ref: string): ModelRef {
  const slash = ref.indexOf('/');
  return { provider: ref.slice(0, slash), model: ref.slice(slash + 1) };
}

export const formatModelRef = (ref: ModelRef) => `${ref.provider}/${ref.model}`;
