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

/** A name a request's `model` may be, and whose it is: ours for a tier, the provider's for a model. */
export interface NamedModel {
  id: string;
  ownedBy: string;
}

/** What a project's requests may name as `model`: the tiers, then each allowed model as `provider/model`. */
export function namedModels(settings: EffectiveModelSettings): NamedModel[] {
  const models: NamedModel[] = TIERS.map((tier) => ({ id: tier, ownedBy: 'general-augment' }));
  const seen = new Set<string>();
  for (const ref of settings.allowed) {
    const id = formatModelRef(ref);
    if (seen.has(id)) continue;
    seen.add(id);
    models.push({ id, ownedBy: ref.provider });
  }
  return models;
}
