import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@genaug/event-store';
import { toMemoryView, type MemoryView } from '../memory-view';
import { MEMORY_TABLE, memoryOwner } from '../projections/memories.projection';

/** How the lexical score is blended; returned with every search so a score can be explained. */
export const LEXICAL_WEIGHTS = { text: 0.6, importance: 0.25, recency: 0.15 } as const;
/** A memory's recency halves every this many days. */
export const RECENCY_HALF_LIFE_DAYS = 30;
// Word matches are ranked first without trigram similarity (costly per row), then this many
// candidates per result are re-ranked with it.
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

/** The query's words joined by `or`, for websearch_to_tsquery: a fact matching any of them is a candidate. */
export function anyWordQuery(query: string): string {
  const words = query.match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.filter((w) => w.toLowerCase() !== 'or').join(' or ');
}

/**
 * Ranks one user's facts against a query by a blend of text match, importance and recency.
 * Candidates come from GIN indexes that include the project and user, so other users' facts
 * are never read: first facts sharing a word with the query (English full-text), and, when
 * those are fewer than asked for and the query is short, facts close to it by trigram word
 * similarity (typos, parts of words). A fact's text match is the larger of the share of the
 * query's words it contains and its trigram word similarity to the query.
 */
@Injectable()
export class MemorySearch {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async search(projectId: string, input: SearchInput): Promise<ScoredMemory[]> {
    const params = this.params(projectId, input);
    const byWords = await this.pool.query({
      name: 'memory-search-words',
      text: WORDS_SQL,
      values: [...params, anyWordQuery(input.query), input.topK * RERANK_PER_RESULT],
    });
    let rows = byWords.rows;
    if (rows.length < input.topK && input.query.length <= TRIGRAM_QUERY_MAX_CHARS) {
      rows = [...rows, ...(await this.byTrigrams(params, rows.map((r) => r.memory_id), input.topK))];
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

  private async byTrigrams(params: unknown[], seen: string[], topK: number): Promise<any[]> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      // The threshold the `<%` operator (and its index scan) uses, for this transaction only.
      await client.query(`select set_config('pg_trgm.word_similarity_threshold', $1, true)`, [String(WORD_SIMILARITY_THRESHOLD)]);
      // Not a prepared statement: a generic plan cannot use the trigram index for `$3 <% fact`
      // and scores every fact of the user instead.
      const res = await client.query(TRIGRAMS_SQL, [...params, seen, topK]);
      await client.query('commit');
      return res.rows;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
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
const FILTERS = `${memoryOwner('m.project_id', 'm.user_id')} = ${memoryOwner('$1::text', '$2::text')} and m.project_id = $1 and m.user_id = $2 and ($4::text[] is null or m.fact_type = any($4::text[])) and m.importance >= $5`;
const RECENCY = `power(0.5, greatest(0, extract(epoch from ($6::timestamptz - m.created_at))) / 86400 / $7::float8)::float8`;
const score = (text: string) => `$8::float8 * ${text} + $9::float8 * importance + $10::float8 * recency`;

// Facts sharing a word with the query ($11, its words joined by `or`), ranked by word share,
// importance and recency; the best $12 are re-ranked with trigram similarity added to their text
// match. The word share is the fact's rank over the query's own rank: each query word a fact
// contains adds the same amount to ts_rank, so the ratio is about the share of words matched.
const WORDS_SQL = `
  with q as materialized (
    select tsq, nullif(ts_rank(to_tsvector('english', $3), tsq), 0) as full_rank
    from websearch_to_tsquery('english', $11) as tsq
  ), matched as (
    select ${COLUMNS.replace(/(\w+)/g, 'm.$1')},
      least(1, coalesce(ts_rank(m.search, q.tsq) / q.full_rank, 0))::float8 as words,
      ${RECENCY} as recency
    from ${MEMORY_TABLE} m, q
    where ${FILTERS} and m.search @@ q.tsq
  ), best as (
    select * from matched order by ${score('words')} desc, memory_id desc limit $12
  ), reranked as (
    select *, word_similarity($3, fact)::float8 as trigram from best
  )
  select *, greatest(words, trigram) as text, ${score('greatest(words, trigram)')} as score from reranked`.replace(/\s+/g, ' ');

// Facts close to a short query by trigram word similarity that the word search did not find
// ($11), the best $12.
const TRIGRAMS_SQL = `
  with candidates as (
    select ${COLUMNS.replace(/(\w+)/g, 'm.$1')}, 0::float8 as words, word_similarity($3, m.fact)::float8 as trigram,
      ${RECENCY} as recency
    from ${MEMORY_TABLE} m
    where ${FILTERS} and $3 <% m.fact and m.memory_id <> all($11::text[])
  )
  select *, trigram as text, ${score('trigram')} as score from candidates
  order by score desc, memory_id desc limit $12`.replace(/\s+/g, ' ');
