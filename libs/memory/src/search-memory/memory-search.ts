import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { inTransaction, PG_POOL } from '@genaug/event-store';
import { toMemoryView, type MemoryView } from '../memory-view';
import { MEMORY_TABLE, MEMORY_WORDS_TABLE, memoryIdOf, memoryOwner, memoryOwnerHash } from '../projections/memories.projection';

/** How the lexical score is blended; returned with every search so a score can be explained. */
export const LEXICAL_WEIGHTS = { text: 0.6, importance: 0.25, recency: 0.15 } as const;
/** A memory's recency halves every this many days. */
export const RECENCY_HALF_LIFE_DAYS = 30;
// Word matches are ranked first from the words index, then this many candidates per result
// are read and re-ranked with trigram similarity (costly per row).
const RERANK_PER_RESULT = 3;
// Trigram search is for short, typed queries (typos, word parts). A long turn input would
// fetch hundreds of trigram posting lists for little gain, so it is matched by words only.
const TRIGRAM_QUERY_MAX_CHARS = 100;
// pg_trgm's default (0.6) misses one-letter typos in short words ("vegen" for "vegan" is 0.5).
const WORD_SIMILARITY_THRESHOLD = 0.5;

export interface SearchInput {
  userId: string;
  query: string;
  topK: number;
  factTypes?: string[];
  minImportance?: number;
  now: Date;
}

export interface ScoredMemory extends MemoryView {
  score: number;
  score_details: { text: number; words: number; trigram: number; importance: number; recency: number };
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

/**
 * Ranks one user's facts against a query by a blend of text match, importance and recency.
 * Candidates come from indexes led by the user's key, so other users' facts are never read:
 * facts sharing an English full-text word with the query, ranked from the words index alone;
 * when none does and the query is short, facts close to it by trigram word similarity (typos,
 * parts of words). A fact's text match is the larger of the share of the query's words it
 * contains and its trigram word similarity to the query.
 */
@Injectable()
export class MemorySearch {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async search(projectId: string, input: SearchInput): Promise<ScoredMemory[]> {
    const params = this.params(projectId, input);
    const byWords = await this.pool.query({
      name: 'memory-search-words',
      text: WORDS_SQL,
      values: [...params, input.topK * RERANK_PER_RESULT],
    });
    let rows = byWords.rows;
    if (rows.length === 0 && input.query.length <= TRIGRAM_QUERY_MAX_CHARS) {
      rows = await this.byTrigrams(params, input.topK);
    }
    rows.sort((a, b) => Number(b.score) - Number(a.score) || (a.memory_id < b.memory_id ? 1 : -1));
    return rows.slice(0, input.topK).map(toScored);
  }

  private params(projectId: string, input: SearchInput): unknown[] {
    return [
      projectId,
      input.userId,
      input.query,
      input.factTypes?.length ? input.factTypes : null,
      input.minImportance ?? 0,
      input.now,
      RECENCY_HALF_LIFE_DAYS,
      LEXICAL_WEIGHTS.text,
      LEXICAL_WEIGHTS.importance,
      LEXICAL_WEIGHTS.recency,
    ];
  }

  private async byTrigrams(params: unknown[], topK: number): Promise<any[]> {
    return inTransaction(this.pool, async (client) => {
      // The threshold the `<%` operator (and its index scan) uses, for this transaction only.
      await client.query(`select set_config('pg_trgm.word_similarity_threshold', $1, true)`, [String(WORD_SIMILARITY_THRESHOLD)]);
      // Not a prepared statement: a generic plan cannot use the trigram index for `$3 <% fact`
      // and scores every fact of the user instead.
      return (await client.query(TRIGRAMS_SQL, [...params, topK])).rows;
    });
  }
}

function toScored(r: any): ScoredMemory {
  return {
    ...toMemoryView(r),
    score: round(Number(r.score)),
    score_details: {
      text: round(Number(r.text)),
      words: round(Number(r.words)),
      trigram: round(Number(r.trigram)),
      importance: round(Number(r.importance)),
      recency: round(Number(r.recency)),
    },
  };
}

// $1 project, $2 user, $3 query, $4 fact types, $5 min importance, $6 now, $7 half-life days,
// $8..$10 weights; then each query's own.
const COLUMNS = 'memory_id, user_id, fact, fact_type, importance, source, metadata, created_at';
const MINE = `m.project_id = $1 and m.user_id = $2`;
const KINDS = (t: string) => `($4::text[] is null or ${t}.fact_type = any($4::text[])) and ${t}.importance >= $5`;
// date_part, not extract: extract returns numeric, and numeric arithmetic on every candidate is slow.
const recency = (t: string) => `power(0.5, greatest(0, date_part('epoch', $6::timestamptz - ${t}.created_at)) / 86400 / $7::float8)`;
const score = (text: string, importance = 'importance', recent = 'recency') =>
  `$8::float8 * ${text} + $9::float8 * ${importance} + $10::float8 * ${recent}`;

// Facts sharing a word with the query, ranked by the share of the query's words they contain,
// importance and recency from the words index alone (no fact row is read); the best $11 are
// read and re-ranked with trigram similarity added to their text match.
const WORDS_SQL = `
  with q as materialized (
    select array(select distinct unnest(tsvector_to_array(to_tsvector('english', $3)))) as words
  ), matched as (
    select w.memory, count(*)::float8 / cardinality(q.words) as words, max(w.importance) as importance,
      max(${recency('w')}) as recency
    from ${MEMORY_WORDS_TABLE} w, q
    where w.owner = ${memoryOwnerHash('$1::text', '$2::text')} and w.word = any(q.words) and ${KINDS('w')}
    group by w.memory, q.words
  ), best as (
    select * from matched order by ${score('words')} desc, memory desc limit $11
  )
  select ${COLUMNS.replace(/(\w+)/g, 'm.$1')}, b.words, b.recency, word_similarity($3, m.fact)::float8 as trigram,
    greatest(b.words, word_similarity($3, m.fact)) as text,
    ${score('greatest(b.words, word_similarity($3, m.fact))', 'm.importance', 'b.recency')} as score
  from best b join ${MEMORY_TABLE} m on m.memory_id = ${memoryIdOf('b.memory')}
  where ${MINE}`.replace(/\s+/g, ' ');

// Facts close to a short query by trigram word similarity, the best $11.
const TRIGRAMS_SQL = `
  with candidates as (
    select ${COLUMNS.replace(/(\w+)/g, 'm.$1')}, 0::float8 as words, word_similarity($3, m.fact)::float8 as trigram,
      ${recency('m')} as recency
    from ${MEMORY_TABLE} m
    where ${memoryOwner('m.project_id', 'm.user_id')} = ${memoryOwner('$1::text', '$2::text')} and ${MINE} and ${KINDS('m')} and $3 <% m.fact
  )
  select *, trigram as text, ${score('trigram')} as score from candidates
  order by score desc, memory_id desc limit $11`.replace(/\s+/g, ' ');
