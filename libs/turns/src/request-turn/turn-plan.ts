import type { RequestContext } from '@genaug/kernel';
import type { ProjectSettings } from '@genaug/projects';
import type { CreateResponseRequest } from '@genaug/responses';
import type { TurnPurpose } from '../turn.events';
import type { ContextItem } from './model-messages';

/** Everything decided about a turn before the model is called. */
export interface TurnPlan {
  responseId: string;
  projectId: string;
  settings: ProjectSettings;
  request: CreateResponseRequest;
  instructions: string | null;
  /** This request's input items. */
  input: ContextItem[];
  /** History (previous response or conversation) followed by the input: what the model sees. */
  context: ContextItem[];
  /** Facts about the user recalled from memory, given to the model as a system message. */
  memory: { ids: string[]; text: string | null };
  /** The sealing subject and the user the turn belongs to. */
  user: string;
  anonymousUser: boolean;
  keyId: string;
  actor: string;
  ctx: RequestContext;
  idempotencyKey: string | null;
  conversationId: string | null;
  /** The project's day the turn counts towards (its time zone). */
  day: string;
  /** The next answer of the conversation, or its summary (a compaction). */
  purpose: TurnPurpose;
}

/**
 * A turn before its user's memories are known: they are looked up while the gate admits it,
 * which reserves the budget for as many as it may get (`memoryBytes`).
 */
export type TurnDraft = Omit<TurnPlan, 'memory'> & { memoryBytes: number };

export const featureOf = (plan: Pick<TurnPlan, 'request'>) => plan.request.metadata?.feature ?? null;
export const sourceOf = (plan: Pick<TurnPlan, 'request'>) => plan.request.metadata?.source ?? 'api';

export { projectDay } from '@genaug/kernel';
