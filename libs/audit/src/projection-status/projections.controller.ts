import { Controller, Get, UseGuards } from '@nestjs/common';
import { SubscriptionHost, type SubscriptionState } from '@genaug/event-store';
import { AppError } from '@genaug/kernel';
import { AdminGuard, CurrentCaller, type Caller } from '@genaug/projects';

export interface ProjectionStatus {
  object: 'projection';
  name: string;
  kind: 'projection' | 'reactor';
  status: string;
  active: boolean;
  checkpoint: { transaction_id: string; position: number };
  lag_events: number;
  lag_seconds: number;
  last_error: string | null;
  reset_at: string | null;
}

export const projectionStatus = (s: SubscriptionState): ProjectionStatus => ({
  object: 'projection',
  name: s.name,
  kind: s.kind,
  status: s.status,
  active: s.active,
  checkpoint: { transaction_id: s.checkpoint.transactionId, position: s.checkpoint.globalPosition },
  lag_events: s.lagEvents,
  lag_seconds: Number(s.lagSeconds.toFixed(3)),
  last_error: s.lastError,
  reset_at: s.resetAt ? s.resetAt.toISOString() : null,
});

/** Every read model and reactor of the deployment with its checkpoint and lag: an operator's view. */
@Controller('api/v1/admin/projections')
@UseGuards(AdminGuard)
export class ProjectionsController {
  constructor(private readonly host: SubscriptionHost) {}

  @Get()
  async list(@CurrentCaller() caller: Caller) {
    if (caller.kind !== 'root') throw new AppError(403, 'root_admin_required', 'Projection status needs the root admin key');
    return { object: 'list', data: (await this.host.states()).map(projectionStatus) };
  }
}
