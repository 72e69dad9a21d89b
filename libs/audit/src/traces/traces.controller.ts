import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { notFound, parseOrThrow } from '@genaug/kernel';
import { AdminGuard, CurrentCaller, ProjectAccess, type Caller } from '@genaug/projects';
import { instantSchema, pageQuerySchema } from '../list-page';
import { TraceReader } from './trace-reader';

export const TRACE_STATUSES = ['in_progress', 'completed', 'incomplete', 'failed', 'cancelled'] as const;

const traceQuerySchema = pageQuerySchema.extend({
  user: z.string().min(1).max(256).optional(),
  feature: z.string().min(1).max(256).optional(),
  source: z.string().min(1).max(256).optional(),
  status: z.enum(TRACE_STATUSES).optional(),
  from: instantSchema.optional(),
  to: instantSchema.optional(),
});

@Controller('api/v1/admin/projects/:project_id/traces')
@UseGuards(AdminGuard)
export class TracesController {
  constructor(
    private readonly traces: TraceReader,
    private readonly access: ProjectAccess,
  ) {}

  @Get()
  async list(@CurrentCaller() caller: Caller, @Param('project_id') projectId: string, @Query() query: unknown) {
    const project = await this.access.resolve(caller, projectId);
    return this.traces.list(project.id, parseOrThrow(traceQuerySchema, query ?? {}));
  }

  /** A turn's trace by its trace id, response id or request id. */
  @Get(':trace_id')
  async get(@CurrentCaller() caller: Caller, @Param('project_id') projectId: string, @Param('trace_id') id: string) {
    const project = await this.access.resolve(caller, projectId);
    const trace = await this.traces.find(project.id, id);
    if (!trace) throw notFound('Trace', 'trace_id');
    return trace;
  }
}
