import { Inject, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SubscriptionHost } from '@genaug/event-store';
import { auditProjections } from './audit.projections';
import { AuditLogController } from './audit-log/audit-log.controller';
import { AuditLogReader } from './audit-log/audit-log-reader';
import { ToolCallAuditReader } from './audit-log/tool-call-audit-reader';
import { countHttpRequests } from './metrics/http-metrics';
import { Metrics } from './metrics/metrics';
import { MetricsController } from './metrics/metrics.controller';
import { turnMetricsReactor } from './metrics/turn-metrics.reactor';
import { ProjectionsController } from './projection-status/projections.controller';
import { SERVER_INFO, SupportBundles, type ServerInfo } from './support-bundles/support-bundle';
import { SupportBundlesController } from './support-bundles/support-bundles.controller';
import { TraceReader } from './traces/trace-reader';
import { TracesController } from './traces/traces.controller';
import { UsageReader } from './usage/usage-reader';
import { UsageController } from './usage/usage.controller';

export interface AuditModuleOptions {
  /** Version and build of the running server, recorded in support bundles. */
  server: ServerInfo;
}

/** Traces, usage, audit history, support bundles, projection status and metrics. */
@Module({})
export class AuditModule implements OnModuleInit {
  constructor(
    @Inject(SubscriptionHost) private readonly host: SubscriptionHost,
    private readonly metrics: Metrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  static forRoot(options: AuditModuleOptions): DynamicModule {
    return {
      module: AuditModule,
      controllers: [
        TracesController,
        UsageController,
        AuditLogController,
        SupportBundlesController,
        ProjectionsController,
        MetricsController,
      ],
      providers: [
        { provide: SERVER_INFO, useValue: options.server },
        TraceReader,
        UsageReader,
        AuditLogReader,
        ToolCallAuditReader,
        SupportBundles,
        Metrics,
      ],
      exports: [TraceReader, UsageReader, AuditLogReader, SupportBundles, Metrics],
    };
  }

  onModuleInit(): void {
    for (const projection of auditProjections) this.host.addProjection(projection);
    this.host.addReactor(turnMetricsReactor(this.metrics));
    const fastify = this.adapterHost.httpAdapter?.getInstance();
    if (fastify) countHttpRequests(fastify, this.metrics);
  }
}
