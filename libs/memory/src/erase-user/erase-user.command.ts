import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '@genaug/kernel';
import { EventStore, inTransaction, ReadYourWrites, Sealer } from '@genaug/event-store';
import { memoryEventMetadata, type CommandContext } from '../command-context';
import { memorySubject, userStream, type UserErasedData } from '../memory.events';
import { MEMORY_PROJECTION } from '../projections/memories.projection';

export class EraseUser {
  constructor(
    readonly projectId: string,
    readonly userId: string,
    readonly context: CommandContext,
  ) {}
}

/**
 * Erases everything personal about an app user in a project by destroying both of their data
 * keys — the user's own (turn input and output, conversation items) and their memory key —
 * and records UserErased in the same transaction. The history keeps its events, numbers and
 * hash chain; every sealed field reads as the erased marker from then on.
 */
@CommandHandler(EraseUser)
export class EraseUserHandler implements ICommandHandler<EraseUser, { erased: UserErasedData; keysDestroyed: number }> {
  constructor(
    private readonly store: EventStore,
    private readonly sealer: Sealer,
    private readonly ryw: ReadYourWrites,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: EraseUser): Promise<{ erased: UserErasedData; keysDestroyed: number }> {
    const erased: UserErasedData = { user_id: cmd.userId, requested_by: cmd.context.actor, erased_at: this.clock.now().toISOString() };
    const { position, keysDestroyed } = await inTransaction(this.store.pool, async (client) => {
      // The append first, as its transaction's first write (see EventStore.append).
      const res = await this.store.append(
        userStream(cmd.projectId, cmd.userId),
        [{ type: 'UserErased', data: erased, metadata: memoryEventMetadata(cmd.projectId, cmd.userId, cmd.context) }],
        { expectedVersion: 'any', client },
      );
      const own = await this.sealer.erase(cmd.projectId, cmd.userId, client);
      const memory = await this.sealer.erase(cmd.projectId, memorySubject(cmd.userId), client);
      return { position: res.lastPosition, keysDestroyed: own.length + memory.length };
    });
    await this.ryw.waitFor(MEMORY_PROJECTION, position);
    return { erased, keysDestroyed };
  }
}
