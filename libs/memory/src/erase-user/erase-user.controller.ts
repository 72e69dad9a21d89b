import { Controller, Delete, Param, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { contextOf, parseOrThrow } from '@genaug/kernel';
import { actorOf, AdminGuard, CurrentCaller, ProjectAccess, type Caller } from '@genaug/projects';
import { userIdField } from '../memory-fields';
import type { UserErasedData } from '../memory.events';
import { EraseUser } from './erase-user.command';

@Controller('api/v1/admin/projects/:project_id/users')
@UseGuards(AdminGuard)
export class EraseUserController {
  constructor(
    private readonly commands: CommandBus,
    private readonly access: ProjectAccess,
  ) {}

  /** Right to erasure for one app user of the project: memory, turns, conversations. */
  @Delete(':user_id')
  async erase(@CurrentCaller() caller: Caller, @Req() req: any, @Param('project_id') id: string, @Param('user_id') rawUserId: string) {
    const project = await this.access.resolve(caller, id);
    const userId = parseOrThrow(userIdField, rawUserId, 'user_id');
    const ctx = contextOf(req);
    const { erased, keysDestroyed }: { erased: UserErasedData; keysDestroyed: number } = await this.commands.execute(
      new EraseUser(project.id, userId, { actor: actorOf(caller), requestId: ctx.requestId, traceId: ctx.traceId }),
    );
    return {
      object: 'user.erasure',
      project_id: project.id,
      user_id: erased.user_id,
      erased: true,
      erased_at: erased.erased_at,
      requested_by: erased.requested_by,
      keys_destroyed: keysDestroyed,
    };
  }
}
