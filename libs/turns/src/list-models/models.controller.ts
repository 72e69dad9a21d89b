import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { AppError, notFound } from '@genaug/kernel';
import { ModelRouter, namedModels } from '@genaug/models';
import { CurrentCaller, ProjectDirectory, ProjectKeyGuard, type Caller } from '@genaug/projects';

/** A model as OpenAI's API describes one; `created` is when the project was (ours have no date of their own). */
interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/**
 * GET /v1/models and GET /v1/models/{model} (the openai client's models.list and
 * models.retrieve, which OpenAI-compatible tools call to find a server's models): what this
 * project's requests may name as `model`, the tiers first, then every model its settings allow.
 */
@Controller('v1/models')
@UseGuards(ProjectKeyGuard)
export class ModelsController {
  constructor(
    private readonly directory: ProjectDirectory,
    private readonly router: ModelRouter,
  ) {}

  @Get()
  async list(@CurrentCaller() caller: Caller): Promise<{ object: 'list'; data: ModelObject[] }> {
    return { object: 'list', data: await this.models(caller) };
  }

  /** `model` as a request names it: a tier, or `provider/model` (its slash sent as %2F or not). */
  @Get('*')
  async get(@CurrentCaller() caller: Caller, @Param('*') model: string): Promise<ModelObject> {
    const id = decoded(model);
    const found = (await this.models(caller)).find((m) => m.id === id || m.id === model);
    if (!found) throw notFound('Model', 'model');
    return found;
  }

  private async models(caller: Caller): Promise<ModelObject[]> {
    if (caller.kind !== 'project_key') throw new AppError(401, 'invalid_api_key', 'Use a project key');
    const project = await this.directory.find(caller.projectId);
    if (!project) throw notFound('Project', 'project');
    const created = Math.floor(new Date(project.created_at).getTime() / 1000);
    return namedModels(this.router.settingsFor(project.settings.models)).map((m) => ({ id: m.id, object: 'model', created, owned_by: m.ownedBy }));
  }
}

/** The path's rest as text; escapes that decode to nothing valid name no model. */
function decoded(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}
