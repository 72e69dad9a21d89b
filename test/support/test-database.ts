import { randomBytes } from 'crypto';
import { Client, type Pool } from 'pg';
import { createPool, migrate, type Migration } from '@genaug/event-store';
import { allMigrations } from './migrations';

export interface TestDatabase {
  url: string;
  pool: Pool;
  name: string;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.GENAUG_TEST_SERVER_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('no test PostgreSQL: run through jest (global setup) or set DATABASE_URL');
  return url;
}

export function databaseUrl(name: string): string {
  const u = new URL(serverUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh database for one suite on the shared test server, migrated. */
export async function createTestDatabase(label: string, migrations: Migration[] = allMigrations()): Promise<TestDatabase> {
  const name = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = databaseUrl(name);
  const pool = createPool(url, { max: 40 });
  await migrate(pool, migrations);
  return {
    url,
    pool,
    name,
    async drop() {
      await pool.end().catch(() => undefined);
      const c = new Client({ connectionString: serverUrl() });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`).catch(() => undefined);
      await c.end();
    },
  };
}

export const testMasterKey = Buffer.alloc(32, 7);
