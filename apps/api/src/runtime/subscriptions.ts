import type { Projection } from '@genaug/event-store';
import { projectsProjection } from '@genaug/projects';

/**
 * Every projection of the product, for processes that host them without the Nest app
 * (the CLI's list and rebuild). The Nest modules register the same objects.
 */
export function allProjections(): Projection[] {
  return [projectsProjection];
}
