import { AppError } from '@genaug/kernel';
import type { EffectiveModelSettings, ProviderConfig } from '../settings/effective-settings';
import { formatModelRef, isTier, TIERS } from '../settings/model-settings';

/** One model a call may be answered by, with how to reach it. */
export interface ModelCandidate {
  provider: ProviderConfig;
  model: string;
}

/**
 * The models that may answer a request for `target`, in fallback order: a tier's list, or the
 * one model named, when the project allows it ("openai/gpt-4o-mini" or just "gpt-4o-mini").
 */
export function resolveCandidates(target: string, settings: EffectiveModelSettings): ModelCandidate[] {
  const refs = isTier(target)
    ? settings.tiers[target]
    : settings.allowed.filter((ref) => formatModelRef(ref) === target || ref.model === target).slice(0, 1);
  if (refs.length === 0) {
    throw new AppError(
      400,
      'model_not_allowed',
      `Model "${target}" is not a tier (${TIERS.join(', ')}) or a model this project allows`,
      { param: 'model' },
    );
  }
  return refs.map((ref) => ({ provider: settings.providers[ref.provider], model: ref.model }));
}
