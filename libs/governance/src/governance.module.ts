import {
  Inject,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Pool } from 'pg';
import { systemClock, type Clock } from '@genaug/kernel';
import { PG_POOL, SubscriptionHost } from '@genaug/event-store';
import { PROJECT_KEY_REQUEST_CHECK } from '@genaug/projects';
import { ModelsModule } from '@genaug/models';
import { GovernanceSweeper } from './governance-sweeper';
import { GOVERNANCE_OPTIONS, governanceEnabled, type GovernanceOptions } from './governance.options';
import { KeyRateLimits } from './rate-limits/key-rate-limits';
import { TurnGate } from './turn-gate/turn-gate';
import { UsageLedger } from './usage-ledger';
import { ThresholdNotices } from './usage-thresholds/threshold-notices';
import { UsageThresholdWebhooks } from './usage-thresholds/usage-threshold-webhooks.reactor';

export interface GovernanceModuleOptions {
  /** Run the ledger's housekeeping in this process (the worker role). */
  runWorkers: boolean;
  clock?: Clock;
  /** Defaults to GENAUG_GOVERNANCE (on). */
  enabled?: boolean;
}

/** Rate limits, plan limits, budgets and usage thresholds. Global, so the turns slice can inject TurnGate. */
@Module({})
export class GovernanceModule implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(GOVERNANCE_OPTIONS) private readonly options: GovernanceOptions,
    private readonly host: SubscriptionHost,
    private readonly thresholdWebhooks: UsageThresholdWebhooks,
    private readonly sweeper: GovernanceSweeper,
    private readonly gate: TurnGate,
  ) {}

  static forRoot(options: GovernanceModuleOptions): DynamicModule {
    const resolved: GovernanceOptions = {
      enabled: options.enabled ?? governanceEnabled(),
      clock: options.clock ?? systemClock,
      runWorkers: options.runWorkers,
    };
    return {
      module: GovernanceModule,
      global: true,
      imports: [ModelsModule],
      providers: [
        { provide: GOVERNANCE_OPTIONS, useValue: resolved },
        { provide: UsageLedger, useFactory: (pool: Pool) => new UsageLedger(pool), inject: [PG_POOL] },
        KeyRateLimits,
        ThresholdNotices,
        TurnGate,
        UsageThresholdWebhooks,
        GovernanceSweeper,
        // The project key guard counts each request against its key's requests per minute.
        { provide: PROJECT_KEY_REQUEST_CHECK, useExisting: KeyRateLimits },
      ],
      exports: [TurnGate, UsageLedger, PROJECT_KEY_REQUEST_CHECK],
    };
  }

  onModuleInit(): void {
    this.host.addReactor(this.thresholdWebhooks);
  }

  onApplicationBootstrap(): void {
    if (this.options.runWorkers) this.sweeper.start();
  }

  /** Settlements still waiting go out while the database pool is open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.gate.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sweeper.stop();
  }
}
