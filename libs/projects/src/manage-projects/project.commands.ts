import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { newId } from '@genaug/kernel';
import { EventStore, ReadYourWrites, handleCommand, type EventMetadata } from '@genaug/event-store';
import { projectDecider } from '../project.decider';
import { projectStream, slugStream } from '../project.events';
import { projectSettingsSchema, type ProjectSettings } from '../project-settings';
import { slugDecider } from '../slug.decider';

export class CreateProject {
  constructor(
    readonly name: string,
    readonly slug: string,
    readonly settings: ProjectSettings | undefined,
    readonly metadata: EventMetadata,
  ) {}
}

export class UpdateProject {
  constructor(
    readonly projectId: string,
    readonly currentSlug: string,
    readonly changes: { name?: string; slug?: string; settings?: ProjectSettings },
    readonly metadata: EventMetadata,
  ) {}
}

@CommandHandler(CreateProject)
export class CreateProjectHandler implements ICommandHandler<CreateProject, string> {
  constructor(
    private readonly store: EventStore,
    private readonly ryw: ReadYourWrites,
  ) {}

  async execute(cmd: CreateProject): Promise<string> {
    const projectId = newId('proj');
    const metadata = { ...cmd.metadata, project_id: projectId };
    await handleCommand(this.store, slugStream(cmd.slug), slugDecider, { type: 'Reserve', projectId, slug: cmd.slug }, { metadata, retryOnConflict: true });
    const settings = projectSettingsSchema.parse(cmd.settings ?? {});
    const res = await handleCommand(
      this.store,
      projectStream(projectId),
      projectDecider,
      { type: 'CreateProject', projectId, name: cmd.name, slug: cmd.slug, settings },
      { metadata },
    );
    await this.ryw.waitFor('projects', res.lastPosition);
    return projectId;
  }
}

@CommandHandler(UpdateProject)
export class UpdateProjectHandler implements ICommandHandler<UpdateProject, void> {
  constructor(
    private readonly store: EventStore,
    private readonly ryw: ReadYourWrites,
  ) {}

  async execute(cmd: UpdateProject): Promise<void> {
    const metadata = { ...cmd.metadata, project_id: cmd.projectId };
    const newSlug = cmd.changes.slug && cmd.changes.slug !== cmd.currentSlug ? cmd.changes.slug : null;
    if (newSlug) {
      await handleCommand(this.store, slugStream(newSlug), slugDecider, { type: 'Reserve', projectId: cmd.projectId, slug: newSlug }, { metadata, retryOnConflict: true });
    }
    const res = await handleCommand(this.store, projectStream(cmd.projectId), projectDecider, { type: 'UpdateProject', ...cmd.changes }, { metadata, retryOnConflict: true });
    if (newSlug) {
      await handleCommand(this.store, slugStream(cmd.currentSlug), slugDecider, { type: 'Release', projectId: cmd.projectId, slug: cmd.currentSlug }, { metadata, retryOnConflict: true });
    }
    if (res.events.length) await this.ryw.waitFor('projects', res.lastPosition);
  }
}

