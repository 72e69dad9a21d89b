import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AppError, CLOCK, newId, type Clock } from '@genaug/kernel';
import { ERASED, EventStore, ReadYourWrites, Sealer, WrongExpectedVersionError, type LogPosition, type NewEvent, type StoredEvent } from '@genaug/event-store';
import { memoryEventMetadata, type CommandContext } from '../command-context';
import { memoryKeyStream, memoryStream, memorySubject, type MemoryKeyClaimedData, type MemoryStoredData } from '../memory.events';
import type { MemoryView } from '../memory-view';
import { MEMORY_PROJECTION } from '../projections/memories.projection';
import { UserMemories } from '../user-memories';
import { storedMemoryView, storeRequestHash, type StoreMemoryInput } from './store-memory.request';

export class StoreMemory {
  constructor(
    readonly projectId: string,
    readonly input: StoreMemoryInput,
    readonly context: CommandContext,
  ) {}
}

export interface StoreMemoryResult {
  memory: MemoryView;
  /** True when an earlier request with the same idempotency key stored it. */
  replayed: boolean;
}

/**
 * Seals the fact for the user's memory subject and appends MemoryStored to the user's memory
 * stream. With an idempotency key, the same transaction claims the key's own stream with an
 * expected version: of concurrent retries exactly one append wins, and the others answer with
 * the winner's memory. No lock is taken beyond the append itself.
 */
@CommandHandler(StoreMemory)
export class StoreMemoryHandler implements ICommandHandler<StoreMemory, StoreMemoryResult> {
  constructor(
    private readonly store: EventStore,
    private readonly sealer: Sealer,
    private readonly ryw: ReadYourWrites,
    private readonly memories: UserMemories,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(cmd: StoreMemory): Promise<StoreMemoryResult> {
    const { projectId, input } = cmd;
    const subject = memorySubject(input.user_id);
    const memoryId = newId('mem');
    const storedAt = this.clock.now().toISOString();
    const data: MemoryStoredData = {
      memory_id: memoryId,
      user_id: input.user_id,
      fact_sealed: await this.sealer.seal(projectId, subject, input.fact),
      fact_type: input.fact_type,
      importance_score: input.importance_score,
      source: input.source ?? null,
      metadata_sealed: input.metadata ? await this.sealer.sealJson(projectId, subject, input.metadata) : null,
      stored_at: storedAt,
    };
    const metadata = memoryEventMetadata(projectId, input.user_id, cmd.context);
    const stored: NewEvent = { type: 'MemoryStored', data, metadata };
    const memory = storedMemoryView(memoryId, input, storedAt);

    if (!input.idempotency_key) {
      const [res] = await this.store.appendMany([{ streamId: memoryStream(projectId, input.user_id), events: [stored] }]);
      await this.ryw.waitFor(MEMORY_PROJECTION, { transactionId: res.transactionId, globalPosition: res.lastPosition });
      return { memory, replayed: false };
    }

    const keyStream = memoryKeyStream(projectId, input.user_id, input.idempotency_key);
    const hash = storeRequestHash(input);
    const claimed: NewEvent = {
      type: 'MemoryKeyClaimed',
      data: { memory_id: memoryId, user_id: input.user_id, request_hash_sealed: await this.sealer.seal(projectId, subject, hash) },
      metadata,
    };
    // A new key is the common case: claim it at once; a key used before makes the claim conflict.
    let keyVersion: number | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const position = await this.appendClaimed(memoryStream(projectId, input.user_id), stored, keyStream, claimed, keyVersion);
        await this.ryw.waitFor(MEMORY_PROJECTION, position);
        return { memory, replayed: false };
      } catch (err) {
        // A conflict on the key, or a newer transaction appended first (a retry-safe 40001).
        if (!(err instanceof WrongExpectedVersionError) && (err as { code?: string }).code !== '40001') throw err;
      }
      const [claim] = await this.store.readStream(keyStream, { direction: 'backwards', limit: 1 });
      if (!claim) continue;
      const claimedHash = await this.sealer.unseal((claim.data as MemoryKeyClaimedData).request_hash_sealed);
      // A claim whose key was purged with the memory it stored no longer holds the key.
      if (claimedHash !== ERASED) return this.replay(projectId, claim, claimedHash === hash);
      keyVersion = claim.streamVersion;
    }
    throw new AppError(409, 'conflict', 'A concurrent store with this idempotency_key won; retry the request', { param: 'idempotency_key' });
  }

  /**
   * MemoryStored and the key's claim commit together, or neither does. Returns MemoryStored's
   * position: the one the memory projection reads (it skips the claim).
   */
  private async appendClaimed(stream: string, stored: NewEvent, keyStream: string, claimed: NewEvent, keyVersion?: number): Promise<LogPosition> {
    const [memory] = await this.store.appendMany([
      { streamId: stream, events: [stored], expectedVersion: 'any' },
      { streamId: keyStream, events: [claimed], expectedVersion: keyVersion ?? 'no_stream' },
    ]);
    return { transactionId: memory.transactionId, globalPosition: memory.lastPosition };
  }

  private async replay(projectId: string, claim: StoredEvent, sameRequest: boolean): Promise<StoreMemoryResult> {
    if (!sameRequest) {
      throw new AppError(422, 'idempotency_key_reused', 'This idempotency_key was already used to store a different memory', {
        param: 'idempotency_key',
      });
    }
    // The claim commits with its MemoryStored, which comes first in the transaction.
    await this.ryw.waitFor(MEMORY_PROJECTION, claim.globalPosition);
    const memory = await this.memories.find(projectId, (claim.data as MemoryKeyClaimedData).memory_id);
    if (!memory) {
      throw new AppError(409, 'memory_deleted', 'The memory stored with this idempotency_key has since been deleted', {
        param: 'idempotency_key',
      });
    }
    return { memory, replayed: true };
  }
}
