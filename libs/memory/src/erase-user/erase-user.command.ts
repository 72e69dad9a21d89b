import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '@genaug/kernel';
import { EventStore, ReadYourWrites, Sealer } from '@genaug/event-store';
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
export class EraseUserHandler implements ICommandHandler<EraseUser, UserErasedData> {
  constructor(
    private readonly store: EventStore,
    private readonly sealer: Sealer,
    private readonly ryw: ReadYourWrites,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: EraseUser): Promise<UserErasedData> {
    const client = await this.store.pool.connect();
    let data: UserErasedData;
    let position: number;
    try {
      await client.query('begin');
      const own = await this.sealer.erase(cmd.projectId, cmd.userId, client);
      const memory = await this.sealer.erase(cmd.projectId, memorySubject(cmd.userId), client);
      data = {
        user_id: cmd.userId,
        requested_by: cmd.context.actor,
        erased_at: this.clock.now().toISOString(),
        keys_destroyed: own.length + memory.length,
      };
      const res = await this.store.append(
        userStream(cmd.projectId, cmd.userId),
        [{ type: 'UserErased', data, metadata: memoryEventMetadata(cmd.projectId, cmd.userId, cmd.context) }],
        { expectedVersion: 'any', client },
      );
      await client.query('commit');
      position = res.lastPosition;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    await this.ryw.waitFor(MEMORY_PROJECTION, position);
    return data;
  }
}
