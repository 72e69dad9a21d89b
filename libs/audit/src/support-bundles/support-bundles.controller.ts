import { Controller, Get, Param, Res, UseGuards } from '@nestjs/common';
import { notFound } from '@genaug/kernel';
import { AdminGuard, CurrentCaller, ProjectAccess, type Caller } from '@genaug/projects';
import { SupportBundles } from './support-bundle';

@Controller('api/v1/admin/projects/:project_id/support-bundles')
@UseGuards(AdminGuard)
export class SupportBundlesController {
  constructor(
    private readonly bundles: SupportBundles,
    private readonly access: ProjectAccess,
  ) {}

  /** One turn's support bundle, by response id, trace id or request id. */
  @Get(':id')
  async get(
    @CurrentCaller() caller: Caller,
    @Param('project_id') projectId: string,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: any,
  ) {
    const project = await this.access.resolve(caller, projectId);
    const bundle = await this.bundles.build(project, id);
    if (!bundle) throw notFound('Turn', 'id');
    reply.header('Content-Disposition', `attachment; filename="support-bundle-${bundle.ids.response_id}.json"`);
    return bundle;
  }
}
