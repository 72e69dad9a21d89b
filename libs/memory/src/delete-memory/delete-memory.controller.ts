import { Controller, Delete, Param, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentCaller, ProjectKeyGuard, type Caller } from '@genaug/projects';
import { commandContext, projectOf } from '../memory-caller';
import { DeleteMemory } from './delete-memory.command';

@Controller('v1/memory')
@UseGuards(ProjectKeyGuard)
export class DeleteMemoryController {
  constructor(private readonly commands: CommandBus) {}

  @Delete(':memory_id')
  async delete(@CurrentCaller() caller: Caller, @Req() req: any, @Param('memory_id') memoryId: string) {
    const { userId } = await this.commands.execute(new DeleteMemory(projectOf(caller), memoryId, commandContext(caller, req)));
    return { id: memoryId, object: 'memory.deleted', user_id: userId, deleted: true };
  }
}
