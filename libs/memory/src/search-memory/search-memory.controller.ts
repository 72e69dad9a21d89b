import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { CLOCK, parseOrThrow, type Clock } from '@genaug/kernel';
import { CurrentCaller, ProjectKeyGuard, type Caller } from '@genaug/projects';
import { projectOf } from '../memory-caller';
import { LEXICAL_WEIGHTS, MemorySearch, RECENCY_HALF_LIFE_DAYS } from './memory-search';
import { searchMemorySchema } from './search-memory.request';
import { VectorSupport } from './vector-support';

@Controller('v1/memory')
@UseGuards(ProjectKeyGuard)
export class SearchMemoryController {
  constructor(
    private readonly search: MemorySearch,
    private readonly vectors: VectorSupport,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('search')
  @HttpCode(200)
  async find(@CurrentCaller() caller: Caller, @Body() body: unknown) {
    const input = parseOrThrow(searchMemorySchema, body ?? {});
    const projectId = projectOf(caller);
    const data = await this.search.search(projectId, {
      userId: input.user_id,
      query: input.query,
      topK: input.top_k,
      factTypes: input.fact_types,
      minImportance: input.min_importance,
      now: this.clock.now(),
    });
    return {
      object: 'list',
      user_id: input.user_id,
      data,
      ranking: {
        method: 'lexical',
        signals: ['full_text', 'trigram', 'importance', 'recency'],
        weights: LEXICAL_WEIGHTS,
        recency_half_life_days: RECENCY_HALF_LIFE_DAYS,
        vector: { used: false, reason: await this.vectors.unavailableBecause(projectId) },
      },
    };
  }
}
