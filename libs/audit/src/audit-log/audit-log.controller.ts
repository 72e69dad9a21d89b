import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { parseOrThrow } from '@genaug/kernel';
import { AdminGuard, CurrentCaller, ProjectAccess, type Caller } from '@genaug/projects';
import { instantSchema, pageQuerySchema } from '../list-page';
import { AuditLogReader } from './audit-log-reader';
import { ToolCallAuditReader } from './tool-call-audit-reader';

const auditQuerySchema = pageQuerySchema.extend({
  stream: z.string().min(1).max(300).optional(),
  type: z.string().min(1).max(200).optional(),
  actor: z.string().min(1).max(300).optional(),
  from: instantSchema.optional(),
  to: instantSchema.optional(),
});

const verifyQuerySchema = z.object({ stream: z.string().min(1).max(300).optional() }).strict();

const toolCallQuerySchema = pageQuerySchema.extend({
  tool_id: z.string().min(1).max(200).optional(),
  outcome: z.string().min(1).max(100).optional(),
  approval: z.string().min(1).max(100).optional(),
});

@Controller('api/v1/admin/projects/:project_id/audit')
@UseGuards(AdminGuard)
export class AuditLogController {
  constructor(
    private readonly audit: AuditLogReader,
    private readonly toolCalls: ToolCallAuditReader,
    private readonly access: ProjectAccess,
  ) {}

  @Get()
  async list(@CurrentCaller() caller: Caller, @Param('project_id') projectId: string, @Query() query: unknown) {
    const project = await this.access.resolve(caller, projectId);
    return this.audit.list(project.id, parseOrThrow(auditQuerySchema, query ?? {}));
  }

  /** Runs the chain verifier over the project's streams (or one of them). */
  @Get('verify')
  async verify(@CurrentCaller() caller: Caller, @Param('project_id') projectId: string, @Query() query: unknown) {
    const project = await this.access.resolve(caller, projectId);
    const q = parseOrThrow(verifyQuerySchema, query ?? {});
    const result = await this.audit.verify(project.id, q.stream);
    return {
      object: 'audit.verification',
      project_id: project.id,
      stream: q.stream ?? null,
      ok: result.ok,
      streams: result.streams,
      events: result.events,
      broken: result.broken
        ? {
            stream_id: result.broken.streamId,
            version: result.broken.version,
            position: result.broken.globalPosition,
            problem: result.broken.problem,
          }
        : null,
    };
  }

  @Get('tool-calls')
  async toolCallRows(@CurrentCaller() caller: Caller, @Param('project_id') projectId: string, @Query() query: unknown) {
    const project = await this.access.resolve(caller, projectId);
    return this.toolCalls.list(project.id, parseOrThrow(toolCallQuerySchema, query ?? {}));
  }
}
