import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, notFound, type Clock } from '@genaug/kernel';
import { EventStore, ReadYourWrites } from '@genaug/event-store';
import { memoryEventMetadata, type CommandContext } from '../command-context';
import { memoryStream } from '../memory.events';
import { MEMORY_PROJECTION } from '../projections/memories.projection';
import { UserMemories } from '../user-memories';

export class DeleteMemory {
  constructor(
    readonly projectId: string,
    readonly memoryId: string,
    readonly context: CommandContext,
  ) {}
}

/** Another project's memory, or one already deleted, is a 404. */
@CommandHandler(DeleteMemory)
export class DeleteMemoryHandler implements ICommandHandler<DeleteMemory, { userId: string }> {
  constructor(
    private readonly store: EventStore,
    private readonly ryw: ReadYourWrites,
    private readonly memories: UserMemories,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: DeleteMemory) {
    const memory = await this.memories.find(cmd.projectId, cmd.memoryId);
    if (!memory) throw notFound('Memory', 'memory_id');
    const res = await this.store.append(
      memoryStream(cmd.projectId, memory.user_id),
      [
        {
          type: 'MemoryDeleted',
          data: { memory_id: memory.id, user_id: memory.user_id, deleted_at: this.clock.now().toISOString() },
          metadata: memoryEventMetadata(cmd.projectId, memory.user_id, cmd.context),
        },
      ],
      { expectedVersion: 'any' },
    );
    await this.ryw.waitFor(MEMORY_PROJECTION, res.lastPosition);
    return { userId: memory.user_id };
  }
}
