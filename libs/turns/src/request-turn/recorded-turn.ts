import type { GovernedTurn } from '@genaug/governance';
import type { ProjectSettings } from '@genaug/projects';
import type { TurnRequestedData } from '../turn.events';

/** The gate's view of a recorded turn, to settle it away from the runner that planned it. */
export function recordedTurn(projectId: string, settings: ProjectSettings, requested: TurnRequestedData): GovernedTurn {
  return {
    responseId: requested.response_id,
    projectId,
    settings,
    user: requested.user,
    anonymousUser: requested.anonymous_user,
    request: { model: requested.model, metadata: requested.metadata },
    context: [],
    instructions: null,
  };
}
