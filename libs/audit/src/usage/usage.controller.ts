import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import { parseOrThrow } from '@genaug/kernel';
import { AdminGuard, CurrentCaller, ProjectAccess, type Caller } from '@genaug/projects';
import { usageCsv } from './usage-csv';
import { UsageReader, type ResolvedUsage } from './usage-reader';
import { usageQuerySchema, type UsageFigures, type UsageReport, type UsageRow } from './usage-report';

function figures({ key: _key, costText: _cost, ...figures }: UsageRow): UsageFigures {
  return figures;
}

function report(projectId: string, u: ResolvedUsage): UsageReport {
  return {
    object: 'usage',
    project_id: projectId,
    start_date: u.start,
    end_date: u.end,
    timezone: u.timezone,
    group_by: u.groupBy,
    data: u.rows.map((r) => ({ [u.groupBy]: r.key, ...figures(r) })),
    totals: figures(u.totals),
  };
}

@Controller('api/v1/admin/projects/:project_id/usage')
@UseGuards(AdminGuard)
export class UsageController {
  constructor(
    private readonly usage: UsageReader,
    private readonly access: ProjectAccess,
  ) {}

  @Get()
  async get(@CurrentCaller() caller: Caller, @Param('project_id') projectId: string, @Query() query: unknown) {
    const project = await this.access.resolve(caller, projectId);
    return report(project.id, await this.usage.read(project, parseOrThrow(usageQuerySchema, query ?? {})));
  }

  @Get('export')
  async export(
    @CurrentCaller() caller: Caller,
    @Param('project_id') projectId: string,
    @Query() query: unknown,
    @Res({ passthrough: true }) reply: any,
  ) {
    const project = await this.access.resolve(caller, projectId);
    const usage = await this.usage.read(project, parseOrThrow(usageQuerySchema, query ?? {}));
    reply.header('Content-Type', 'text/csv; charset=utf-8');
    reply.header('Content-Disposition', `attachment; filename="usage-${project.slug}-${usage.start}-${usage.end}.csv"`);
    return usageCsv(usage);
  }
}
