import { Injectable } from '@nestjs/common';
import { AppError } from '@genaug/kernel';
import { ProjectDirectory, type ProjectSettings } from '@genaug/projects';

const TTL_MS = 2000;

/** Project settings for checks that run on every request, cached briefly: they change rarely. */
@Injectable()
export class GovernedProjects {
  private cache = new Map<string, { settings: ProjectSettings; at: number }>();

  constructor(private readonly directory: ProjectDirectory) {}

  async settings(projectId: string): Promise<ProjectSettings> {
    const hit = this.cache.get(projectId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.settings;
    const project = await this.directory.find(projectId);
    if (!project) throw new AppError(404, 'not_found', 'Project not found');
    this.cache.set(projectId, { settings: project.settings, at: Date.now() });
    return project.settings;
  }
}
