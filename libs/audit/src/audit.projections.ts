import type { Projection } from '@genaug/event-store';
import { auditLogProjection } from './audit-log/audit-log.projection';
import { tracesProjection } from './traces/traces.projection';
import { usageProjection } from './usage/usage.projection';

/** Every read model of this slice: the module registers them, and the CLI lists and rebuilds them. */
export const auditProjections: Projection[] = [tracesProjection, usageProjection, auditLogProjection];
