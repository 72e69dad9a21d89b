import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { z } from 'zod';
import { notFound, parseOrThrow } from '@genaug/kernel';
import { AdminGuard } from '../auth/guards';
import { actorOf, CurrentCaller, type Caller } from '../auth/caller';
import { ProjectAccess } from '../auth/project-access';
import { ProjectDirectory } from '../project-directory';
import { KEY_ENVIRONMENTS, KEY_SCOPES } from '../project.events';
import { IssueApiKey, RevokeApiKey } from './api-key.commands';

const issueKeySchema = z
  .object({
    scopes: z.array(z.enum(KEY_SCOPES)).min(1).default(['responses']),
    environment: z.enum(KEY_ENVIRONMENTS).default('development'),
    label: z.string().trim().min(1).max(200).nullable().optional(),
  })
  .strict();

@Controller('api/v1/admin/projects/:project_id/keys')
@UseGuards(AdminGuard)
export class ApiKeysController {
  constructor(
    private readonly commands: CommandBus,
    private readonly directory: ProjectDirectory,
    private readonly access: ProjectAccess,
  ) {}

  @Post()
  @HttpCode(201)
  async issue(@CurrentCaller() caller: Caller, @Param('project_id') id: string, @Body() body: unknown) {
    const project = await this.access.resolve(caller, id);
    const input = parseOrThrow(issueKeySchema, body ?? {});
    const { keyId, raw } = await this.commands.execute(
      new IssueApiKey(project.id, input.scopes, input.environment, input.label ?? null, { actor: actorOf(caller) }),
    );
    const view = await this.directory.key(project.id, keyId);
    // The raw key is shown here once; only its hash is kept.
    return { ...view, key: raw };
  }

  @Get()
  async list(@CurrentCaller() caller: Caller, @Param('project_id') id: string) {
    const project = await this.access.resolve(caller, id);
    return { object: 'list', data: await this.directory.listKeys(project.id) };
  }

  @Delete(':key_id')
  async revoke(@CurrentCaller() caller: Caller, @Param('project_id') id: string, @Param('key_id') keyId: string) {
    const project = await this.access.resolve(caller, id);
    if (!(await this.directory.key(project.id, keyId))) throw notFound('API key', 'key_id');
    await this.commands.execute(new RevokeApiKey(project.id, keyId, { actor: actorOf(caller) }));
    return this.directory.key(project.id, keyId);
  }
}
