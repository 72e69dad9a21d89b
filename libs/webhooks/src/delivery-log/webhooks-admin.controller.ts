import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { notFound, parseOrThrow } from '@genaug/kernel';
import { AdminGuard, CurrentCaller, ProjectAccess, type Caller } from '@genaug/projects';
import { signingSecret } from '../signing/signing-secrets';
import { WEBHOOKS_OPTIONS, type WebhooksOptions } from '../webhooks.options';
import { DeliveryLog } from './delivery-log.reader';

const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.string().optional(),
  status: z.enum(['pending', 'delivered', 'abandoned']).optional(),
  event: z.string().min(1).optional(),
});

/** The delivery log (every attempt of every outbound webhook) and the signing secret to verify them. */
@Controller('api/v1/admin/projects/:project_id')
@UseGuards(AdminGuard)
export class WebhooksAdminController {
  constructor(
    private readonly access: ProjectAccess,
    private readonly log: DeliveryLog,
    @Inject(WEBHOOKS_OPTIONS) private readonly options: WebhooksOptions,
  ) {}

  @Get('webhook-deliveries')
  async list(@CurrentCaller() caller: Caller, @Param('project_id') id: string, @Query() query: unknown) {
    const project = await this.access.resolve(caller, id);
    const q = parseOrThrow(listQuerySchema, query ?? {});
    const rows = await this.log.list(project.id, { ...q, limit: q.limit + 1 });
    const data = rows.slice(0, q.limit);
    return { object: 'list', data, has_more: rows.length > q.limit, next_cursor: rows.length > q.limit ? data[data.length - 1].id : null };
  }

  @Get('webhook-deliveries/:delivery_id')
  async get(@CurrentCaller() caller: Caller, @Param('project_id') id: string, @Param('delivery_id') deliveryId: string) {
    const project = await this.access.resolve(caller, id);
    const delivery = await this.log.find(project.id, deliveryId);
    if (!delivery) throw notFound('Webhook delivery', 'delivery_id');
    return delivery;
  }

  @Get('webhook-signing-secret')
  async secret(@CurrentCaller() caller: Caller, @Param('project_id') id: string) {
    const project = await this.access.resolve(caller, id);
    return {
      object: 'webhook_signing_secret',
      project_id: project.id,
      secret: signingSecret(this.options.masterKey, project.id),
      header: 'X-General-Augment-Signature',
      scheme: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">',
    };
  }
}
