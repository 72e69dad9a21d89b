import { AppError, newId, notFound, parseOrThrow, type Clock } from '@genaug/kernel';
import {
  listMemorySchema,
  profileSchema,
  purgeSchema,
  searchMemorySchema,
  storedMemoryView,
  storeMemorySchema,
  storeRequestHash,
  type StoreMemoryInput,
  type MemoryView,
} from '@genaug/memory';

// Per-user memory kept in the mock's process, answering the real memory routes' shapes:
// store (idempotent by key), search, list, profile, delete and purge. Users never see each
// other's facts. Search ranks by shared words, importance and recency, as the real lexical
// ranking does, without PostgreSQL's stemming and trigrams.

export type { MemoryView };

export interface ScoredMemory extends MemoryView {
  score: number;
  score_details: { text: number; words: number; trigram: number; importance: number; recency: number };
}

const LEXICAL_WEIGHTS = { text: 0.6, importance: 0.25, recency: 0.15 } as const;
const RECENCY_HALF_LIFE_DAYS = 30;
const STOP_WORDS = new Set(['the', 'and', 'for', 'are', 'with', 'that', 'this', 'from', 'what', 'does', 'user', 'users']);

const round = (n: number) => Math.round(n * 10_000) / 10_000;

/** Lowercase words with common English endings cut, so "seats" finds "seat". */
function lexemes(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (word.length < 3 || STOP_WORDS.has(word)) continue;
    out.add(word.replace(/(ing|ed|es|s)$/u, '') || word);
  }
  return out;
}

export class MockMemory {
  /** user id -> memory id -> memory; memory ids sort by time. */
  private readonly users = new Map<string, Map<string, MemoryView>>();
  /** user id -> idempotency key -> the store it answered. */
  private readonly keys = new Map<string, Map<string, { hash: string; memoryId: string }>>();

  constructor(private readonly clock: Clock) {}

  /** POST /v1/memory: 201 with the new memory, or 200 with the first one for a repeated key. */
  store(body: unknown, headerKey: string | null): { status: number; memory: MemoryView; replayed: boolean } {
    const raw = body as Record<string, unknown> | undefined;
    // The SDK sends the key in the body; the header the rest of the API uses works too.
    const withKey =
      headerKey && raw && typeof raw === 'object' && !Array.isArray(raw) && raw.idempotency_key == null ? { ...raw, idempotency_key: headerKey } : (raw ?? {});
    const input = parseOrThrow(storeMemorySchema, withKey);
    const key = input.idempotency_key ?? null;
    const userKeys = this.keys.get(input.user_id);
    const claimed = key ? userKeys?.get(key) : undefined;
    if (claimed) {
      if (claimed.hash !== storeRequestHash(input)) {
        throw new AppError(422, 'idempotency_key_reused', 'This idempotency_key was already used to store a different memory', {
          param: 'idempotency_key',
        });
      }
      const memory = this.users.get(input.user_id)?.get(claimed.memoryId);
      if (!memory) {
        throw new AppError(409, 'memory_deleted', 'The memory stored with this idempotency_key has since been deleted', {
          param: 'idempotency_key',
        });
      }
      return { status: 200, memory, replayed: true };
    }
    const memory = storedMemoryView(newId('mem'), input, this.clock.now().toISOString());
    this.memoriesOf(input.user_id).set(memory.id, memory);
    if (key) {
      const keys = userKeys ?? new Map();
      keys.set(key, { hash: storeRequestHash(input), memoryId: memory.id });
      this.keys.set(input.user_id, keys);
    }
    return { status: 201, memory, replayed: false };
  }

  /** POST /v1/memory/search */
  search(body: unknown) {
    const input = parseOrThrow(searchMemorySchema, body ?? {});
    return {
      object: 'list',
      user_id: input.user_id,
      data: this.ranked({ userId: input.user_id, query: input.query, topK: input.top_k, factTypes: input.fact_types, minImportance: input.min_importance }),
      ranking: {
        method: 'lexical',
        signals: ['full_text', 'trigram', 'importance', 'recency'],
        weights: LEXICAL_WEIGHTS,
        recency_half_life_days: RECENCY_HALF_LIFE_DAYS,
        vector: { used: false, reason: 'vector similarity is not enabled for this project' },
      },
    };
  }

  /** One user's facts ranked against a query; turns recall through this too (see MemoryRecall). */
  ranked(input: { userId: string; query: string; topK: number; factTypes?: string[]; minImportance?: number }): ScoredMemory[] {
    const query = lexemes(input.query);
    const now = this.clock.now().getTime();
    const scored: ScoredMemory[] = [];
    for (const memory of this.users.get(input.userId)?.values() ?? []) {
      if (input.factTypes?.length && !input.factTypes.includes(memory.fact_type)) continue;
      if (memory.importance_score < (input.minImportance ?? 0)) continue;
      const fact = lexemes(memory.fact);
      const shared = [...query].filter((w) => fact.has(w)).length;
      if (!shared) continue;
      const words = shared / query.size;
      const ageDays = Math.max(0, now - Date.parse(memory.created_at)) / 86_400_000;
      const recency = 0.5 ** (ageDays / RECENCY_HALF_LIFE_DAYS);
      const score = LEXICAL_WEIGHTS.text * words + LEXICAL_WEIGHTS.importance * memory.importance_score + LEXICAL_WEIGHTS.recency * recency;
      scored.push({
        ...memory,
        score: round(score),
        score_details: { text: round(words), words: round(words), trigram: 0, importance: round(memory.importance_score), recency: round(recency) },
      });
    }
    scored.sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : -1));
    return scored.slice(0, input.topK);
  }

  /** GET /v1/memory: newest first, a page at a time. */
  list(query: unknown) {
    const q = parseOrThrow(listMemorySchema, query ?? {});
    const rows = this.newestFirst(q.user_id).filter((m) => (!q.after || m.id < q.after) && (!q.fact_type || m.fact_type === q.fact_type));
    const page = rows.slice(0, q.limit);
    const more = rows.length > q.limit;
    return { object: 'list', user_id: q.user_id, data: page, has_more: more, next_cursor: more ? page[page.length - 1].id : null };
  }

  /** GET /v1/memory/profile: facts grouped by type, most important first. */
  profile(query: unknown) {
    const q = parseOrThrow(profileSchema, query ?? {});
    const groups = new Map<string, MemoryView[]>();
    for (const memory of this.newestFirst(q.user_id)) groups.set(memory.fact_type, [...(groups.get(memory.fact_type) ?? []), memory]);
    const types = [...groups.entries()].map(([factType, facts]) => {
      const ranked = [...facts].sort((a, b) => b.importance_score - a.importance_score || (a.id < b.id ? 1 : -1));
      return {
        fact_type: factType,
        count: facts.length,
        updated_at: facts.map((f) => f.created_at).sort().pop()!,
        facts: ranked.slice(0, q.limit_per_type),
        top: ranked[0].importance_score,
      };
    });
    types.sort((a, b) => b.top - a.top || (a.fact_type < b.fact_type ? -1 : 1));
    const updated = types.map((g) => g.updated_at).sort().pop() ?? null;
    return {
      object: 'memory.profile',
      user_id: q.user_id,
      total: types.reduce((n, g) => n + g.count, 0),
      updated_at: updated,
      types: types.map(({ top: _top, ...group }) => group),
    };
  }

  /** GET /v1/memory/{id}: any user's memory by its id; an unknown one is a 404. */
  get(memoryId: string): MemoryView {
    for (const memories of this.users.values()) {
      const memory = memories.get(memoryId);
      if (memory) return memory;
    }
    throw notFound('Memory', 'memory_id');
  }

  /** DELETE /v1/memory/{id}: any user's memory by its id; an unknown one is a 404. */
  delete(memoryId: string) {
    for (const [userId, memories] of this.users) {
      if (memories.delete(memoryId)) return { id: memoryId, object: 'memory.deleted', user_id: userId, deleted: true };
    }
    throw notFound('Memory', 'memory_id');
  }

  /** POST /v1/memory/purge: every memory of the user, and the keys that stored them, gone. */
  purge(body: unknown) {
    const input = parseOrThrow(purgeSchema, body ?? {});
    const deleted = this.users.get(input.user_id)?.size ?? 0;
    this.users.delete(input.user_id);
    this.keys.delete(input.user_id);
    return { object: 'memory.purge', user_id: input.user_id, purged: true, deleted_count: deleted };
  }

  private memoriesOf(userId: string): Map<string, MemoryView> {
    let memories = this.users.get(userId);
    if (!memories) this.users.set(userId, (memories = new Map()));
    return memories;
  }

  private newestFirst(userId: string): MemoryView[] {
    return [...(this.users.get(userId)?.values() ?? [])].sort((a, b) => (a.id < b.id ? 1 : -1));
  }
}
