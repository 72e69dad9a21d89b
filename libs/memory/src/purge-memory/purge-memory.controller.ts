import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { parseOrThrow } from '@genaug/kernel';
import { CurrentCaller, ProjectKeyGuard, type Caller } from '@genaug/projects';
import { commandContext, projectOf } from '../memory-caller';
import { purgeSchema } from '../memory-requests';
import { PurgeMemory } from './purge-memory.command';

@Controller('v1/memory')
@UseGuards(ProjectKeyGuard)
export class PurgeMemoryController {
  constructor(private readonly commands: CommandBus) {}

  /** Every memory of the user in this project, gone: read models emptied, history unreadable. */
  @Post('purge')
  @HttpCode(200)
  async purge(@CurrentCaller() caller: Caller, @Req() req: any, @Body() body: unknown) {
    const input = parseOrThrow(purgeSchema, body ?? {});
    const { deletedCount } = await this.commands.execute(new PurgeMemory(projectOf(caller), input.user_id, commandContext(caller, req)));
    return { object: 'memory.purge', user_id: input.user_id, purged: true, deleted_count: deletedCount };
  }
}
