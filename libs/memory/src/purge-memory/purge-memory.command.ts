import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '@genaug/kernel';
import { EventStore, inTransaction, ReadYourWrites, Sealer } from '@genaug/event-store';
import { memoryEventMetadata, type CommandContext } from '../command-context';
import { memoryStream, memorySubject } from '../memory.events';
import { MEMORY_PROJECTION } from '../projections/memories.projection';
import { UserMemories } from '../user-memories';

export class PurgeMemory {
  constructor(
    readonly projectId: string,
    readonly userId: string,
    readonly context: CommandContext,
  ) {}
}

/**
 * Destroys the user's memory key and records MemoryPurged in one transaction: every sealed
 * fact in the history becomes unreadable at the moment the event exists, and the projection
 * drops the user's rows when it applies it. Other users and other projects have other keys.
 */
@CommandHandler(PurgeMemory)
export class PurgeMemoryHandler implements ICommandHandler<PurgeMemory, { deletedCount: number }> {
  constructor(
    private readonly store: EventStore,
    private readonly sealer: Sealer,
    private readonly ryw: ReadYourWrites,
    private readonly memories: UserMemories,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: PurgeMemory) {
    const deletedCount = await this.memories.count(cmd.projectId, cmd.userId);
    const position = await inTransaction(this.store.pool, async (client) => {
      // The append first: as the transaction's first write it takes its turn on the stream
      // before the transaction gets its id (see EventStore.append), then the key goes.
      const res = await this.store.append(
        memoryStream(cmd.projectId, cmd.userId),
        [
          {
            type: 'MemoryPurged',
            data: { user_id: cmd.userId, purged_at: this.clock.now().toISOString() },
            metadata: memoryEventMetadata(cmd.projectId, cmd.userId, cmd.context),
          },
        ],
        { expectedVersion: 'any', client },
      );
      await this.sealer.erase(cmd.projectId, memorySubject(cmd.userId), client);
      return res.lastPosition;
    });
    await this.ryw.waitFor(MEMORY_PROJECTION, position);
    return { deletedCount };
  }
}
