import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuditModule } from '@genaug/audit';
import { EventStoreModule } from '@genaug/event-store';
import { GovernanceModule } from '@genaug/governance';
import type { Clock } from '@genaug/kernel';
import { MemoryModule } from '@genaug/memory';
import { ProjectsModule } from '@genaug/projects';
import { TurnsModule } from '@genaug/turns';
import { WebhooksModule } from '@genaug/webhooks';
import { BUILD } from './build-info';
import { HealthController } from './health/health.controller';
import { allMigrations } from './runtime/migrations';
import { APP_OPTIONS, MIGRATIONS } from './tokens';

export interface AppOptions {
  databaseUrl: string;
  masterKey: Buffer;
  adminKey: string;
  roles: string[];
  /** Time for limits, budgets and webhook retries; tests pass a ManualClock. */
  clock?: Clock;
  /** How long a WebSocket connection to /v1/responses lives. */
  websocketLifetimeMs?: number;
}


/** The composition root: every slice's module, wired to one event store. */
@Module({})
export class AppModule {
  static register(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        EventStoreModule.forRoot({
          databaseUrl: options.databaseUrl,
          masterKey: options.masterKey,
          runConsumers: options.roles.includes('worker'),
          pollMs: 250,
        }),
        ProjectsModule.forRoot({ rootAdminKey: options.adminKey }),
        MemoryModule,
        TurnsModule.forRoot({ runWorkers: options.roles.includes('worker'), websocketLifetimeMs: options.websocketLifetimeMs }),
        WebhooksModule.forRoot({ masterKey: options.masterKey, runWorkers: options.roles.includes('worker'), clock: options.clock }),
        GovernanceModule.forRoot({ runWorkers: options.roles.includes('worker'), clock: options.clock }),
        AuditModule.forRoot({ server: BUILD }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_OPTIONS, useValue: options },
        { provide: MIGRATIONS, useValue: allMigrations },
      ],
    };
  }
}
