import { Global, Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { createPool } from './database';
import { EventStore } from './event-store';
import { EventNotifier } from './notifier';
import { ReadYourWrites } from './read-your-writes';
import { Sealer } from './sealing';
import { SubscriptionHost } from './subscription-host';

export const PG_POOL = Symbol('PG_POOL');
export const EVENT_STORE_OPTIONS = Symbol('EVENT_STORE_OPTIONS');

export interface EventStoreModuleOptions {
  databaseUrl: string;
  masterKey: Buffer;
  /** Run projections and reactors in this process (the worker role). */
  runConsumers: boolean;
  poolSize?: number;
  pollMs?: number;
}

@Global()
@Module({})
export class EventStoreModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE_OPTIONS) private readonly options: EventStoreModuleOptions,
    private readonly notifier: EventNotifier,
    private readonly host: SubscriptionHost,
    private readonly ryw: ReadYourWrites,
  ) {}

  static forRoot(options: EventStoreModuleOptions): DynamicModule {
    const pool = createPool(options.databaseUrl, { max: options.poolSize ?? 30 });
    const notifier = new EventNotifier({ connectionString: options.databaseUrl });
    const host = new SubscriptionHost(pool, notifier, { pollMs: options.pollMs });
    return {
      module: EventStoreModule,
      providers: [
        { provide: EVENT_STORE_OPTIONS, useValue: options },
        { provide: PG_POOL, useValue: pool },
        { provide: EventNotifier, useValue: notifier },
        { provide: EventStore, useValue: new EventStore(pool) },
        { provide: Sealer, useValue: new Sealer(pool, options.masterKey, notifier) },
        { provide: SubscriptionHost, useValue: host },
        { provide: ReadYourWrites, useValue: new ReadYourWrites(pool, host) },
      ],
      exports: [PG_POOL, EventNotifier, EventStore, Sealer, SubscriptionHost, ReadYourWrites],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.notifier.start();
    await this.host.setup();
    if (this.options.runConsumers) this.host.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.ryw.close();
    await this.host.stop();
    await this.notifier.stop();
    await this.pool.end().catch(() => undefined);
  }
}
