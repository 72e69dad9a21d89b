import { auditProjections } from '@genaug/audit';
import type { Projection, Sealer } from '@genaug/event-store';
import { createMemoryProjection } from '@genaug/memory';
import { projectsProjection } from '@genaug/projects';
import { turnsInFlightProjection } from '@genaug/turns';
import { deliveryLogProjection } from '@genaug/webhooks';

/**
 * Every projection of the product, for processes that host them without the Nest app
 * (the CLI's list and rebuild). The Nest modules register the same objects. Memory indexes
 * fact text, so its projection unseals and exists only where the sealer is given.
 */
export function allProjections(sealer?: Sealer): Projection[] {
  return [projectsProjection, ...(sealer ? [createMemoryProjection(sealer)] : []), ...auditProjections, deliveryLogProjection, turnsInFlightProjection];
}
