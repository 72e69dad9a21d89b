import { DEFAULT_PRICES, type PriceTable } from '../pricing/prices';
import type { ModelEnv } from './model-env';
import { isProviderKind, parseModelRef, TIERS, type ModelRef, type ModelSettings, type ProviderKind, type Tier } from './model-settings';

/** Everything needed to call one provider, after project settings and env defaults are merged. */
export interface ProviderConfig {
  name: string;
  kind: ProviderKind;
  baseUrl?: string;
  apiKey?: string;
  timeoutMs: number;
  answerTimeoutMs: number;
  maxRetries: number;
  backoffMs: number;
  maxBackoffMs: number;
}

export interface EffectiveModelSettings {
  tiers: Record<Tier, ModelRef[]>;
  /** Models a request may name: the tiers' models and the allowed list. */
  allowed: ModelRef[];
  providers: Record<string, ProviderConfig>;
  prices: PriceTable;
}

export const DEFAULT_TIERS: Record<Tier, string[]> = {
  simple: ['local/local-simple'],
  balanced: ['local/local-balanced'],
  complex: ['local/local-complex'],
};

export function effectiveModelSettings(settings: ModelSettings, env: ModelEnv): EffectiveModelSettings {
  const kindDefaults = (kind: ProviderKind, name: string): ProviderConfig => ({
    name,
    kind,
    baseUrl: kind === 'openai' ? env.GENAUG_OPENAI_BASE_URL : kind === 'anthropic' ? env.GENAUG_ANTHROPIC_BASE_URL : undefined,
    apiKey: kind === 'openai' ? env.OPENAI_API_KEY : kind === 'anthropic' ? env.ANTHROPIC_API_KEY : undefined,
    timeoutMs: env.GENAUG_MODEL_TIMEOUT_MS,
    answerTimeoutMs: env.GENAUG_MODEL_ANSWER_TIMEOUT_MS,
    maxRetries: env.GENAUG_MODEL_MAX_RETRIES,
    backoffMs: env.GENAUG_MODEL_BACKOFF_MS,
    maxBackoffMs: env.GENAUG_MODEL_MAX_BACKOFF_MS,
  });

  const providers: Record<string, ProviderConfig> = {
    local: kindDefaults('local', 'local'),
    openai: kindDefaults('openai', 'openai'),
    anthropic: kindDefaults('anthropic', 'anthropic'),
  };
  for (const [name, overrides] of Object.entries(settings.providers)) {
    const kind = overrides.kind ?? (isProviderKind(name) ? name : 'openai');
    const base = providers[name]?.kind === kind ? providers[name] : kindDefaults(kind, name);
    const merged = { ...base, ...withoutUndefined(overrides), name, kind };
    // The server's key goes only to the server's endpoint, never to one a project chose.
    if (merged.baseUrl !== base.baseUrl || name !== kind) merged.apiKey = overrides.apiKey;
    providers[name] = merged;
  }

  const envTiers: Partial<Record<Tier, string[]>> = {
    simple: env.GENAUG_TIER_SIMPLE,
    balanced: env.GENAUG_TIER_BALANCED,
    complex: env.GENAUG_TIER_COMPLEX,
  };
  const tiers = Object.fromEntries(
    TIERS.map((tier) => [tier, (settings.tiers[tier] ?? envTiers[tier] ?? DEFAULT_TIERS[tier]).map(parseModelRef)]),
  ) as Record<Tier, ModelRef[]>;

  const allowed = [...TIERS.flatMap((tier) => tiers[tier]), ...settings.allowedModels.map(parseModelRef)];
  return { tiers, allowed, providers, prices: { ...DEFAULT_PRICES, ...settings.prices } };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
