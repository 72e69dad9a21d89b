import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@genaug/event-store';
import { BatchedCalls, CLOCK, type Clock } from '@genaug/kernel';
import { estimateTokens } from '@genaug/models';
import { memorySettingsOf } from '../memory-settings';
import { MEMORY_TABLE } from '../projections/memories.projection';
import { MemorySearch } from '../search-memory/memory-search';

export interface RecalledMemory {
  id: string;
  fact: string;
  fact_type: string;
  importance_score: number;
  score: number;
}

export interface RecallLimits {
  maxCount: number;
  maxTokens: number;
}

// A turn's input can be long; its end (the latest words) is what the user is asking about.
const QUERY_MAX_CHARS = 2000;
// Ranked candidates fetched before the token cap picks from them.
const CANDIDATES_PER_SLOT = 3;
const CONTEXT_HEADING = 'Known facts about this user, from memory (most relevant first):';
// A fact costs a token per 4 UTF-16 units (estimateTokens), and a unit is at most 3 UTF-8 bytes.
const FACT_BYTES_PER_TOKEN = 12;
// What a line adds to its fact: "\n- (", a fact type of at most 32 characters, ") ".
const LINE_BYTES = 4 + 32 + 2;

/** Takes memories in rank order while they fit the count and token caps; one too long is skipped. */
export function capMemories<T extends { fact: string }>(ranked: T[], limits: RecallLimits): T[] {
  const out: T[] = [];
  let tokens = 0;
  for (const m of ranked) {
    if (out.length >= limits.maxCount) break;
    const cost = estimateTokens(m.fact);
    if (tokens + cost > limits.maxTokens) continue;
    out.push(m);
    tokens += cost;
  }
  return out;
}

/**
 * What a turn knows about its user: the user's memories most relevant to the turn's input,
 * capped by count and tokens. The turns slice calls it and records the ids it used.
 */
@Injectable()
export class MemoryRecall {
  // The probes of turns that arrive together go in one query.
  private readonly probes = new BatchedCalls<{ projectId: string; userId: string }, boolean>((users) => this.probe(users));

  constructor(
    private readonly search: MemorySearch,
    @Inject(CLOCK) private readonly clock: Clock,
    // Absent where memories are not in PostgreSQL (the mock server): recall then just searches.
    @Optional() @Inject(PG_POOL) private readonly pool?: Pool,
  ) {}

  /** The project setting `memory.use_in_turns` (default true). */
  enabledFor(settings: { memory?: Record<string, unknown> } | null | undefined): boolean {
    return memorySettingsOf(settings).use_in_turns;
  }

  /** The caps the project sets for memories in a turn. */
  limitsFor(settings: { memory?: Record<string, unknown> } | null | undefined): RecallLimits {
    const s = memorySettingsOf(settings);
    return { maxCount: s.max_memories_in_turn, maxTokens: s.max_memory_tokens_in_turn };
  }

  /**
   * The most UTF-8 bytes of memories (`asContext`) a turn of the project can be given: its
   * budget is reserved for them while they are looked up.
   */
  contextBytesAtMost(settings: { memory?: Record<string, unknown> } | null | undefined): number {
    if (!this.enabledFor(settings)) return 0;
    const { maxCount, maxTokens } = this.limitsFor(settings);
    return CONTEXT_HEADING.length + maxCount * LINE_BYTES + maxTokens * FACT_BYTES_PER_TOKEN;
  }

  async recall(projectId: string, userId: string, query: string, limits: RecallLimits): Promise<RecalledMemory[]> {
    const text = query.trim().slice(-QUERY_MAX_CHARS);
    if (!text || limits.maxCount < 1 || limits.maxTokens < 1) return [];
    // Most turns' users have no memories; one probe of the user index then replaces a search
    // of several round trips (words, then trigrams in a transaction of its own).
    if (!(await this.hasMemories(projectId, userId))) return [];
    const ranked = await this.search.search(projectId, {
      userId,
      query: text,
      topK: limits.maxCount * CANDIDATES_PER_SLOT,
      now: this.clock.now(),
    });
    return capMemories(ranked, limits).map((m) => ({
      id: m.id,
      fact: m.fact,
      fact_type: m.fact_type,
      importance_score: m.importance_score,
      score: m.score,
    }));
  }

  private hasMemories(projectId: string, userId: string): Promise<boolean> {
    return this.pool ? this.probes.call({ projectId, userId }) : Promise.resolve(true);
  }

  /** Whether each user has any memory, in one query. */
  private async probe(users: { projectId: string; userId: string }[]): Promise<boolean[]> {
    const res = await this.pool!.query<{ any: boolean }>({
      name: 'memory-recall-any',
      text: `select exists (select 1 from ${MEMORY_TABLE} m where m.project_id = u.project_id and m.user_id = u.user_id) as any
             from unnest($1::text[], $2::text[]) with ordinality as u(project_id, user_id, n) order by u.n`,
      values: [users.map((u) => u.projectId), users.map((u) => u.userId)],
    });
    return res.rows.map((r) => r.any === true);
  }

  /** The recalled memories as one block of text for the model's instructions. */
  asContext(memories: RecalledMemory[]): string | null {
    if (!memories.length) return null;
    const lines = memories.map((m) => `- (${m.fact_type}) ${m.fact}`);
    return [CONTEXT_HEADING, ...lines].join('\n');
  }
}
