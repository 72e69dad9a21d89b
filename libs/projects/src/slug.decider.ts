import { AppError } from '@genaug/kernel';
import type { Decider } from '@genaug/event-store';
import type { SlugEvent } from './project.events';

// A slug is unique across projects: each slug has its own stream, and optimistic concurrency
// on it decides which project gets it.
type SlugState = { owner: string | null };
type SlugCommand = { type: 'Reserve'; projectId: string; slug: string } | { type: 'Release'; projectId: string; slug: string };

export const slugDecider: Decider<SlugState, SlugCommand, SlugEvent> = {
  initialState: () => ({ owner: null }),
  evolve: (_s, e) => ({ owner: e.type === 'SlugReserved' ? e.data.project_id : null }),
  decide(command, state) {
    if (command.type === 'Reserve') {
      if (state.owner === command.projectId) return [];
      if (state.owner) throw new AppError(409, 'slug_taken', `The slug '${command.slug}' is already used by another project`, { param: 'slug' });
      return [{ type: 'SlugReserved', data: { project_id: command.projectId, slug: command.slug } }];
    }
    return state.owner === command.projectId ? [{ type: 'SlugReleased', data: { project_id: command.projectId, slug: command.slug } }] : [];
  },
};
