import { Injectable } from '@nestjs/common';
import { logger } from '@genaug/kernel';
import type { Reactor, StoredEvent } from '@genaug/event-store';
import { ProjectDirectory } from '@genaug/projects';
import { WebhookDeliveries } from '@genaug/webhooks';
import type { UsageThresholdReachedData } from '../governance.events';
import { governanceOf } from '../governance-settings';
import { DEFAULT_PLAN, DEFAULT_PRICING_TIER, usageThresholdPayloadSchema } from './usage-threshold.payload';

/**
 * Sends `usage.threshold` to the project's billing_webhook_url for each threshold reached.
 * The delivery's key is the ledger event's id, so however often the event is handled, the
 * receiver gets one delivery (retried until it answers), identified by that same event id.
 */
@Injectable()
export class UsageThresholdWebhooks implements Reactor {
  readonly name = 'usage-threshold-webhooks';
  readonly types = ['UsageThresholdReached'];

  constructor(
    private readonly directory: ProjectDirectory,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  async react(events: StoredEvent<UsageThresholdReachedData>[]): Promise<void> {
    for (const e of events) {
      const projectId = e.metadata.project_id ?? e.projectId;
      if (!projectId) continue;
      const project = await this.directory.find(projectId);
      const url = project ? governanceOf(project.settings).billing_webhook_url : null;
      if (!project || !url) continue;
      const payload = usageThresholdPayloadSchema.parse({
        event: 'usage.threshold',
        project_id: projectId,
        date: e.data.date,
        plan: project.settings.plan ?? DEFAULT_PLAN,
        pricing_tier: project.settings.pricing_tier ?? DEFAULT_PRICING_TIER,
        threshold_percent: e.data.threshold_percent,
        agent_turns_count: e.data.agent_turns_count,
        agent_turns_per_day: e.data.agent_turns_per_day,
        messages_count: e.data.messages_count,
      });
      const { deliveryId, created } = await this.deliveries.request({
        projectId,
        key: `usage.threshold:${e.eventId}`,
        event: 'usage.threshold',
        eventId: e.eventId,
        url,
        payload,
        causationId: e.eventId,
      });
      if (created) logger.info({ project_id: projectId, delivery_id: deliveryId, threshold: e.data.threshold_percent }, 'usage threshold webhook requested');
    }
  }
}
