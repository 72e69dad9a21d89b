import { Inject, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { SubscriptionHost } from '@genaug/event-store';
import { AdminGuard, ProjectKeyGuard } from './auth/guards';
import { ProjectAccess } from './auth/project-access';
import { ProjectAuth, ROOT_ADMIN_KEY } from './auth/project-auth.service';
import { ApiKeysController } from './manage-keys/api-keys.controller';
import { IssueApiKeyHandler, RevokeApiKeyHandler } from './manage-keys/api-key.commands';
import { CreateProjectHandler, UpdateProjectHandler } from './manage-projects/project.commands';
import { ProjectsController } from './manage-projects/projects.controller';
import { ProjectDirectory } from './project-directory';
import { projectsProjection } from './projects.projection';

@Module({})
export class ProjectsModule implements OnModuleInit {
  constructor(@Inject(SubscriptionHost) private readonly host: SubscriptionHost) {}

  static forRoot(options: { rootAdminKey: string }): DynamicModule {
    return {
      module: ProjectsModule,
      global: true,
      imports: [CqrsModule],
      controllers: [ProjectsController, ApiKeysController],
      providers: [
        { provide: ROOT_ADMIN_KEY, useValue: options.rootAdminKey },
        ProjectDirectory,
        ProjectAuth,
        ProjectAccess,
        ProjectKeyGuard,
        AdminGuard,
        CreateProjectHandler,
        UpdateProjectHandler,
        IssueApiKeyHandler,
        RevokeApiKeyHandler,
      ],
      exports: [ProjectDirectory, ProjectAuth, ProjectAccess, ProjectKeyGuard, AdminGuard],
    };
  }

  onModuleInit(): void {
    this.host.addProjection(projectsProjection);
  }
}
