import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { notFound, parseOrThrow } from '@genaug/kernel';
import { CurrentCaller, ProjectKeyGuard, type Caller } from '@genaug/projects';
import { projectOf } from '../memory-caller';
import { UserMemories } from '../user-memories';
import { listMemorySchema, profileSchema } from './list-memory.request';

@Controller('v1/memory')
@UseGuards(ProjectKeyGuard)
export class ListMemoryController {
  constructor(private readonly memories: UserMemories) {}

  /** A user's memories, newest first, a page at a time. */
  @Get()
  async list(@CurrentCaller() caller: Caller, @Query() query: unknown) {
    const q = parseOrThrow(listMemorySchema, query ?? {});
    const rows = await this.memories.list(projectOf(caller), q.user_id, { limit: q.limit + 1, after: q.after, factType: q.fact_type });
    const page = rows.slice(0, q.limit);
    const more = rows.length > q.limit;
    return { object: 'list', user_id: q.user_id, data: page, has_more: more, next_cursor: more ? page[page.length - 1].id : null };
  }

  /** What the project knows about a user: facts grouped by type, most important first. */
  @Get('profile')
  async profile(@CurrentCaller() caller: Caller, @Query() query: unknown) {
    const q = parseOrThrow(profileSchema, query ?? {});
    return this.memories.profile(projectOf(caller), q.user_id, q.limit_per_type);
  }

  /** One memory by id; another project's memory is a 404 like a missing one. */
  @Get(':memory_id')
  async get(@CurrentCaller() caller: Caller, @Param('memory_id') memoryId: string) {
    const memory = await this.memories.find(projectOf(caller), memoryId);
    if (!memory) throw notFound('Memory', 'memory_id');
    return memory;
  }
}
