import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AppError, parseOrThrow } from '@genaug/kernel';
import { AdminGuard } from '../auth/guards';
import { actorOf, CurrentCaller, type Caller } from '../auth/caller';
import { ProjectAccess } from '../auth/project-access';
import { ProjectDirectory } from '../project-directory';
import { projectSettingsSchema } from '../project-settings';
import { CreateProject, UpdateProject } from './project.commands';
import { createProjectSchema, listQuerySchema, slugFrom, updateProjectSchema } from './project.schemas';

@Controller('api/v1/admin/projects')
@UseGuards(AdminGuard)
export class ProjectsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly directory: ProjectDirectory,
    private readonly access: ProjectAccess,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    if (caller.kind !== 'root') throw new AppError(403, 'root_admin_required', 'Creating projects needs the root admin key');
    const input = parseOrThrow(createProjectSchema, body ?? {});
    const slug = input.slug ?? slugFrom(input.name);
    const id = await this.commands.execute(new CreateProject(input.name, slug, input.settings, { actor: actorOf(caller) }));
    return this.directory.find(id);
  }

  @Get()
  async list(@CurrentCaller() caller: Caller, @Query() query: unknown) {
    const q = parseOrThrow(listQuerySchema, query ?? {});
    const data = await this.directory.list({
      limit: q.limit + 1,
      after: q.after,
      only: caller.kind === 'project_key' ? caller.projectId : undefined,
    });
    const page = data.slice(0, q.limit);
    return { object: 'list', data: page, has_more: data.length > q.limit, next_cursor: data.length > q.limit ? page[page.length - 1].id : null };
  }

  @Get(':project_id')
  async get(@CurrentCaller() caller: Caller, @Param('project_id') id: string) {
    return this.access.resolve(caller, id);
  }

  @Patch(':project_id')
  async update(@CurrentCaller() caller: Caller, @Param('project_id') id: string, @Body() body: unknown) {
    const project = await this.access.resolve(caller, id);
    const input = parseOrThrow(updateProjectSchema, body ?? {});
    const settings = input.settings ? parseOrThrow(projectSettingsSchema, { ...project.settings, ...input.settings }, 'settings') : undefined;
    await this.commands.execute(
      new UpdateProject(project.id, project.slug, { name: input.name, slug: input.slug, settings }, { actor: actorOf(caller) }),
    );
    return this.directory.find(project.id);
  }
}
