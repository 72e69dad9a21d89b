import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CLOCK, systemClock } from '@genaug/kernel';
import { Sealer, SubscriptionHost } from '@genaug/event-store';
import { DeleteMemoryController } from './delete-memory/delete-memory.controller';
import { DeleteMemoryHandler } from './delete-memory/delete-memory.command';
import { EraseUserController } from './erase-user/erase-user.controller';
import { EraseUserHandler } from './erase-user/erase-user.command';
import { ListMemoryController } from './list-memory/list-memory.controller';
import { createMemoryProjection } from './projections/memories.projection';
import { PurgeMemoryController } from './purge-memory/purge-memory.controller';
import { PurgeMemoryHandler } from './purge-memory/purge-memory.command';
import { MemoryRecall } from './recall/memory-recall';
import { MemorySearch } from './search-memory/memory-search';
import { SearchMemoryController } from './search-memory/search-memory.controller';
import { VectorSupport } from './search-memory/vector-support';
import { StoreMemoryController } from './store-memory/store-memory.controller';
import { StoreMemoryHandler } from './store-memory/store-memory.command';
import { UserMemories } from './user-memories';

/** Durable per-user memory. Global, so the turns slice can inject MemoryRecall. */
@Global()
@Module({
  imports: [CqrsModule],
  controllers: [
    StoreMemoryController,
    SearchMemoryController,
    ListMemoryController,
    DeleteMemoryController,
    PurgeMemoryController,
    EraseUserController,
  ],
  providers: [
    { provide: CLOCK, useValue: systemClock },
    UserMemories,
    MemorySearch,
    VectorSupport,
    MemoryRecall,
    StoreMemoryHandler,
    DeleteMemoryHandler,
    PurgeMemoryHandler,
    EraseUserHandler,
  ],
  exports: [MemoryRecall, MemorySearch, UserMemories],
})
export class MemoryModule implements OnModuleInit {
  constructor(
    private readonly host: SubscriptionHost,
    private readonly sealer: Sealer,
  ) {}

  onModuleInit(): void {
    this.host.addProjection(createMemoryProjection(this.sealer));
  }
}
