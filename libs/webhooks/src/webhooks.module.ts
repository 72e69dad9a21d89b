import { Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Pool } from 'pg';
import { systemClock, type Clock } from '@genaug/kernel';
import { PG_POOL, SubscriptionHost } from '@genaug/event-store';
import { deliveryLogProjection } from './delivery-log/delivery-log.projection';
import { DeliveryLog } from './delivery-log/delivery-log.reader';
import { WebhooksAdminController } from './delivery-log/webhooks-admin.controller';
import { WebhookDeliveries } from './request-delivery/webhook-deliveries';
import { DeliveryQueue } from './send-delivery/delivery-queue';
import { DeliveryRequests } from './send-delivery/delivery-requests.reactor';
import { DeliverySender } from './send-delivery/delivery-sender';
import { WEBHOOKS_OPTIONS, type WebhooksOptions } from './webhooks.options';

export interface WebhooksModuleOptions {
  masterKey: Buffer;
  /** Send deliveries from this process (the worker role). */
  runWorkers: boolean;
  clock?: Clock;
  pollMs?: number;
  timeoutMs?: number;
}

/** Signed outbound webhooks with retries and a delivery log. Global, so any slice can request a delivery. */
@Module({})
export class WebhooksModule implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(WEBHOOKS_OPTIONS) private readonly options: WebhooksOptions,
    private readonly host: SubscriptionHost,
    private readonly requests: DeliveryRequests,
    private readonly sender: DeliverySender,
  ) {}

  static forRoot(options: WebhooksModuleOptions): DynamicModule {
    const resolved: WebhooksOptions = {
      clock: options.clock ?? systemClock,
      masterKey: options.masterKey,
      runWorkers: options.runWorkers,
      pollMs: options.pollMs ?? 250,
      timeoutMs: options.timeoutMs ?? 10_000,
    };
    return {
      module: WebhooksModule,
      global: true,
      controllers: [WebhooksAdminController],
      providers: [
        { provide: WEBHOOKS_OPTIONS, useValue: resolved },
        { provide: DeliveryQueue, useFactory: (pool: Pool) => new DeliveryQueue(pool), inject: [PG_POOL] },
        WebhookDeliveries,
        DeliverySender,
        DeliveryRequests,
        DeliveryLog,
      ],
      exports: [WebhookDeliveries, DeliveryLog],
    };
  }

  onModuleInit(): void {
    this.host.addProjection(deliveryLogProjection);
    this.host.addReactor(this.requests);
  }

  onApplicationBootstrap(): void {
    if (this.options.runWorkers) this.sender.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sender.stop();
  }
}
