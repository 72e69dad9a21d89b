import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '@genaug/event-store';

export interface BenchServerOptions {
  /** Defaults to GENAUG_BENCH_PG_PORT or 54340, apart from the test server's port. */
  port?: number;
  dataDir?: string;
  /** Extra `-c name=value` server flags; the defaults are PostgreSQL's own (durable commits). */
  flags?: string[];
}

export interface BenchServer {
  port: number;
  /** `server_version`, for the results file. */
  version: string;
  /** The settings that change what a benchmark measures. */
  settings: Record<string, string>;
  /** Drops any leftover database of that name and creates it empty; returns its URL. */
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const REPORTED_SETTINGS = ['fsync', 'synchronous_commit', 'shared_buffers', 'max_connections', 'wal_level'];

/**
 * Starts an embedded PostgreSQL for benchmarks on its own port and data directory, so a
 * benchmark never shares a server with the test run or a local `npm start`.
 */
export async function startBenchPostgres(options: BenchServerOptions = {}): Promise<BenchServer> {
  const port = options.port ?? Number(process.env.GENAUG_BENCH_PG_PORT ?? 54340);
  const dataDir = options.dataDir ?? path.join(os.tmpdir(), `genaug-bench-pg-${port}`);
  const server = await startEmbeddedPostgres(dataDir, port, 'postgres', options.flags ?? []);
  const admin = async <T>(work: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client({ connectionString: server.url });
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  };
  const urlOf = (name: string) => {
    const u = new URL(server.url);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const { version, settings } = await admin(async (c) => {
    const v = await c.query<{ server_version: string }>('show server_version');
    const s = await c.query<{ name: string; setting: string }>(
      'select name, current_setting(name) as setting from unnest($1::text[]) as name',
      [REPORTED_SETTINGS],
    );
    return {
      version: v.rows[0].server_version,
      settings: Object.fromEntries(s.rows.map((r) => [r.name, r.setting])),
    };
  });
  const dropDatabase = (name: string) => admin((c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => undefined);
  return {
    port,
    version,
    settings,
    async createDatabase(name) {
      await dropDatabase(name);
      await admin((c) => c.query(`create database "${name}"`));
      return urlOf(name);
    },
    dropDatabase,
    stop: () => server.stop(),
  };
}
