import type { PoolClient } from 'pg';
import { ERASED, Sealer, type Projection, type StoredEvent } from '@genaug/event-store';
import type { MemoryDeletedData, MemoryPurgedData, MemoryStoredData, UserErasedData } from '../memory.events';

export const MEMORY_PROJECTION = 'memory';
export const MEMORY_TABLE = 'genaug_memories';
export const MEMORY_WORDS_TABLE = 'genaug_memory_words';

/**
 * One key for a user's memory in a project, leading the trigram index: a single GIN key finds
 * the user's entries faster than a project key and a user key intersected (project ids hold no '/').
 */
export const memoryOwner = (project: string, user: string) => `(${project} || '/' || ${user})`;
/** The same key hashed, for the words index, where it is repeated on every word of every fact. */
export const memoryOwnerHash = (project: string, user: string) => `hashtextextended(${memoryOwner(project, user)}, 0)`;
// Memory ids are `mem_` and 32 hex digits (a UUIDv7): the words index keeps the 16-byte uuid.
export const memoryUuid = (memoryId: string) => `substr(${memoryId}, 5)::uuid`;
export const memoryIdOf = (uuid: string) => `('mem_' || replace(${uuid}::text, '-', ''))`;

interface MemoryRow {
  memoryId: string;
  projectId: string;
  userId: string;
  fact: string;
  factType: string;
  importance: number;
  source: string | null;
  metadata: string | null;
  createdAt: string;
  keyId: string;
}

// Facts stored before a NUL character was refused at the door (kernel storable-text.ts) can hold
// one, which PostgreSQL cannot store: the read model keeps a replacement character instead of
// stopping at their event for good.
const storable = (text: string) => text.replaceAll('\u0000', '\ufffd');
const storableJson = (json: string) => JSON.stringify(JSON.parse(json), (_key, value) => (typeof value === 'string' ? storable(value) : value));

// One statement per run of events of the same kind, in log order: a batch that stores,
// deletes and stores again ends the way the events say.
type Step =
  | { kind: 'store'; rows: MemoryRow[] }
  | { kind: 'delete'; ids: string[] }
  | { kind: 'forget'; projects: string[]; users: string[] };

/**
 * The searchable memory of every user: the fact in plain text with a trigram index, and its
 * English full-text words (lexemes) in an index of their own, ordered by user and word, that
 * holds what ranking needs, so a query's candidates are ranked without reading their rows.
 * Holding plain text (and words) is allowed only because purge and erase remove the rows here,
 * and a fact whose key is already destroyed is never written.
 */
export function createMemoryProjection(sealer: Sealer): Projection {
  return {
    name: MEMORY_PROJECTION,
    types: ['MemoryStored', 'MemoryDeleted', 'MemoryPurged', 'UserErased'],
    tables: [MEMORY_TABLE, MEMORY_WORDS_TABLE],
    // A stored memory is searchable when the store answers.
    awaited: true,
    async setup(client: PoolClient) {
      await client.query(`
        create table if not exists ${MEMORY_TABLE} (
          memory_id   text primary key,
          project_id  text not null,
          user_id     text not null,
          fact        text not null,
          fact_type   text not null,
          importance  double precision not null,
          source      text,
          metadata    jsonb,
          created_at  timestamptz not null
        );
        create index if not exists genaug_memories_user on ${MEMORY_TABLE} (project_id, user_id, memory_id);
        create index if not exists genaug_memories_trigram on ${MEMORY_TABLE} using gin (${memoryOwner('project_id', 'user_id')}, fact gin_trgm_ops);
        create table if not exists ${MEMORY_WORDS_TABLE} (
          owner       bigint not null,
          -- English stemming, so a question finds a fact worded differently (seat / seats).
          word        text not null,
          memory      uuid not null,
          importance  double precision not null,
          created_at  timestamptz not null,
          fact_type   text not null
        );
        create index if not exists genaug_memory_words_lookup on ${MEMORY_WORDS_TABLE} (owner, word)
          include (memory, importance, created_at, fact_type);`);
    },
    async apply(events: StoredEvent[], client: PoolClient) {
      const steps: Step[] = [];
      const step = <K extends Step['kind']>(kind: K): Extract<Step, { kind: K }> => {
        const last = steps[steps.length - 1];
        if (last?.kind === kind) return last as Extract<Step, { kind: K }>;
        const next = (kind === 'store' ? { kind, rows: [] } : kind === 'delete' ? { kind, ids: [] } : { kind, projects: [], users: [] }) as Step;
        steps.push(next);
        return next as Extract<Step, { kind: K }>;
      };
      for (const e of events) {
        const projectId = e.projectId ?? e.metadata.project_id;
        if (!projectId) continue;
        switch (e.type) {
          case 'MemoryStored': {
            const data = e.data as MemoryStoredData;
            const fact = await sealer.unseal(data.fact_sealed);
            // Stored after (or racing) a purge: the key is gone and so is the fact.
            if (fact === ERASED) break;
            const metadata = data.metadata_sealed ? await sealer.unseal(data.metadata_sealed) : null;
            step('store').rows.push({
              memoryId: data.memory_id,
              projectId,
              userId: data.user_id,
              fact: storable(fact),
              factType: data.fact_type,
              importance: data.importance_score,
              source: data.source,
              metadata: metadata === ERASED || metadata === null ? null : storableJson(metadata),
              createdAt: data.stored_at,
              keyId: Sealer.keyIdOf(data.fact_sealed)!,
            });
            break;
          }
          case 'MemoryDeleted':
            step('delete').ids.push((e.data as MemoryDeletedData).memory_id);
            break;
          case 'MemoryPurged':
          case 'UserErased': {
            const forget = step('forget');
            forget.projects.push(projectId);
            forget.users.push((e.data as MemoryPurgedData | UserErasedData).user_id);
            break;
          }
        }
      }
      for (const s of steps) await run(s, client);
    },
  };
}

async function run(step: Step, client: PoolClient): Promise<void> {
  if (step.kind === 'store') {
    const r = step.rows;
    // The key check closes the race where this process still had a key cached when another
    // process destroyed it: the erasure is committed before any later event is visible here.
    await client.query(
      `with stored as (
         insert into ${MEMORY_TABLE} (memory_id, project_id, user_id, fact, fact_type, importance, source, metadata, created_at)
         select u.memory_id, u.project_id, u.user_id, u.fact, u.fact_type, u.importance, u.source, u.metadata::jsonb, u.created_at
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::text[], $9::timestamptz[], $10::uuid[])
           as u(memory_id, project_id, user_id, fact, fact_type, importance, source, metadata, created_at, key_id)
         where not exists (select 1 from genaug_erased_keys k where k.key_id = u.key_id)
         on conflict (memory_id) do nothing
         returning memory_id, project_id, user_id, fact, fact_type, importance, created_at)
       insert into ${MEMORY_WORDS_TABLE} (owner, word, memory, importance, created_at, fact_type)
       select ${memoryOwnerHash('s.project_id', 's.user_id')}, w.word, ${memoryUuid('s.memory_id')}, s.importance, s.created_at, s.fact_type
       from stored s, unnest(tsvector_to_array(to_tsvector('english', s.fact))) as w(word)`,
      [
        r.map((x) => x.memoryId),
        r.map((x) => x.projectId),
        r.map((x) => x.userId),
        r.map((x) => x.fact),
        r.map((x) => x.factType),
        r.map((x) => x.importance),
        r.map((x) => x.source),
        r.map((x) => x.metadata),
        r.map((x) => x.createdAt),
        r.map((x) => x.keyId),
      ],
    );
  } else if (step.kind === 'delete') {
    await client.query(
      `with gone as (delete from ${MEMORY_TABLE} where memory_id = any($1::text[]) returning memory_id, project_id, user_id)
       delete from ${MEMORY_WORDS_TABLE} w using gone g
       where w.owner = ${memoryOwnerHash('g.project_id', 'g.user_id')} and w.memory = ${memoryUuid('g.memory_id')}`,
      [step.ids],
    );
  } else {
    await client.query(
      `with forgotten as (select * from unnest($1::text[], $2::text[]) as f(project_id, user_id)),
       gone as (delete from ${MEMORY_TABLE} m using forgotten f where m.project_id = f.project_id and m.user_id = f.user_id)
       delete from ${MEMORY_WORDS_TABLE} w using forgotten f where w.owner = ${memoryOwnerHash('f.project_id', 'f.user_id')}`,
      [step.projects, step.users],
    );
  }
}
