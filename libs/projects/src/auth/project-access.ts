import { Injectable } from '@nestjs/common';
import { notFound } from '@genaug/kernel';
import { ProjectDirectory, type ProjectView } from '../project-directory';
import type { Caller } from './caller';

/**
 * The project an admin route names, as the caller may see it: the root admin sees every
 * project, a project admin key only its own; anything else is a 404, never a 403, so another
 * project's existence is not revealed.
 */
@Injectable()
export class ProjectAccess {
  constructor(private readonly directory: ProjectDirectory) {}

  async resolve(caller: Caller, idOrSlug: string): Promise<ProjectView> {
    const project = await this.directory.find(idOrSlug);
    if (!project || (caller.kind === 'project_key' && caller.projectId !== project.id)) {
      throw notFound('Project', 'project_id');
    }
    return project;
  }
}
