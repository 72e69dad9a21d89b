import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '@genaug/event-store';
import { MEMORY_COLUMNS, toMemoryView, type MemoryView } from '../memory-view';
import { MEMORY_TABLE } from '../projections/memories.projection';

/** How the lexical score is blended; returned with every search so a score can be explained. */
export const LEXICAL_WEIGHTS = { text: 0.6, importance: 0.25, recency: 0.15 } as const;
/** A memory's recency halves every this many days. */
export const RECENCY_HALF_LIFE_DAYS = 30;
// Trigram matching is for short, typed queries (typos, word parts). A long turn input would
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
 * Ranks one user's facts against a query. Candidates are facts sharing a word with the query
 * (English full-text, any word) or, for short queries, close by trigram word similarity; both
 * come from GIN indexes that include the project and user, so other users' facts are never
 * read. Each candidate's score blends its text match with its importance and recency.
 */
@Injectable()
export class MemorySearch {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async search(projectId: string, input: SearchInput): Promise<ScoredMemory[]> {
    const trigram = input.query.length <= TRIGRAM_QUERY_MAX_CHARS;
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      // The threshold the `<%` operator (and its index scan) uses, for this transaction only.
      await client.query(`select set_config('pg_trgm.word_similarity_threshold', $1, true)`, [String(WORD_SIMILARITY_THRESHOLD)]);
      const rows = await this.rank(client, projectId, input, trigram);
      await client.query('commit');
      return rows;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async rank(client: PoolClient, projectId: string, input: SearchInput, trigram: boolean): Promise<ScoredMemory[]> {
    const res = await client.query(
      `with q as (
         select tsvector_to_array(to_tsvector('english', $3)) as lexemes
       ), tsq as (
         -- Any query word may match (an OR query); lexemes are quoted as tsquery literals.
         select coalesce(string_agg('''' || replace(replace(l, '\\', '\\\\'), '''', '''''') || '''', ' | '), '')::tsquery as query
         from q, unnest(q.lexemes) l
       ), candidates as (
         select ${MEMORY_COLUMNS},
           coalesce(cardinality(array(select unnest(tsvector_to_array(m.search)) intersect select unnest(q.lexemes)))::float8
             / nullif(cardinality(q.lexemes), 0), 0) as words,
           word_similarity($3, m.fact) as trigram
         from ${MEMORY_TABLE} m, q
         where m.project_id = $1 and m.user_id = $2
           and (m.search @@ (select query from tsq) or ($4 and $3 <% m.fact))
           and ($5::text[] is null or m.fact_type = any($5::text[]))
           and m.importance >= $6
       ), scored as (
         select c.*, greatest(c.words, c.trigram) as text,
           power(0.5, greatest(0, extract(epoch from ($7::timestamptz - c.created_at))) / 86400 / $8) as recency
         from candidates c
       )
       select *, $9 * text + $10 * importance + $11 * recency as score
       from scored order by score desc, memory_id desc limit $12`,
      [
        projectId,
        input.userId,
        input.query,
        trigram,
        input.factTypes?.length ? input.factTypes : null,
        input.minImportance ?? 0,
        input.now,
        RECENCY_HALF_LIFE_DAYS,
        LEXICAL_WEIGHTS.text,
        LEXICAL_WEIGHTS.importance,
        LEXICAL_WEIGHTS.recency,
        input.topK,
      ],
    );
    return res.rows.map((r) => ({
      ...toMemoryView(r),
      score: round(Number(r.score)),
      score_details: {
        text: round(Number(r.text)),
        words: round(Number(r.words)),
        trigram: round(Number(r.trigram)),
        importance: round(Number(r.importance)),
        recency: round(Number(r.recency)),
      },
    }));
  }
}
