import * as fs from 'fs';
import * as path from 'path';
import type { Pool } from 'pg';

/** A versioned schema change; ids are `slice/NNN-name` and apply in registration order. */
export interface Migration {
  id: string;
  sql: string;
}

export const sqlFile = (dir: string, file: string): string => fs.readFileSync(path.join(dir, file), 'utf8');

export const eventStoreMigrations: Migration[] = [
  { id: 'event-store/001-event-store', sql: sqlFile(path.join(__dirname, 'sql'), '001-event-store.sql') },
  { id: 'event-store/002-deferred-flush', sql: sqlFile(path.join(__dirname, 'sql'), '002-deferred-flush.sql') },
  { id: 'event-store/003-checkpoint-advance', sql: sqlFile(path.join(__dirname, 'sql'), '003-checkpoint-advance.sql') },
  { id: 'event-store/004-append-many', sql: sqlFile(path.join(__dirname, 'sql'), '004-append-many.sql') },
  { id: 'event-store/005-append-batch', sql: sqlFile(path.join(__dirname, 'sql'), '005-append-batch.sql') },
  { id: 'event-store/006-stream-row-room', sql: sqlFile(path.join(__dirname, 'sql'), '006-stream-row-room.sql') },
  { id: 'event-store/007-log-reads', sql: sqlFile(path.join(__dirname, 'sql'), '007-log-reads.sql') },
  { id: 'event-store/008-append-many-deferred', sql: sqlFile(path.join(__dirname, 'sql'), '008-append-many-deferred.sql') },
];

// Any constant works; it only has to be the same in every process.
const MIGRATION_LOCK = 7_362_118_001;

/**
 * Applies the migrations not yet applied, each in its own transaction, while holding an
 * advisory lock so only one process migrates at a time; the others wait, then find nothing to do.
 */
export async function migrate(pool: Pool, migrations: Migration[]): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      `create table if not exists genaug_migrations (id text primary key, applied_at timestamptz not null default now())`,
    );
    const done = new Set((await client.query<{ id: string }>('select id from genaug_migrations')).rows.map((r) => r.id));
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await client.query('begin');
      try {
        await client.query(m.sql);
        await client.query('insert into genaug_migrations (id) values ($1)', [m.id]);
        await client.query('commit');
        applied.push(m.id);
      } catch (err) {
        await client.query('rollback');
        throw new Error(`migration ${m.id} failed: ${(err as Error).message}`);
      }
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  return applied;
}

/** True when every migration in the list has been applied. */
export async function migrationsApplied(pool: Pool, migrations: Migration[]): Promise<boolean> {
  const res = await pool.query<{ id: string }>('select id from genaug_migrations').catch(() => null);
  if (!res) return false;
  const done = new Set(res.rows.map((r) => r.id));
  return migrations.every((m) => done.has(m.id));
}
