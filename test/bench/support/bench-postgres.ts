import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '@genaug/event-store';

export interface BenchServerOptions {
  /**
   * Defaults to GENAUG_BENCH_PG_PORT, else the first port from 54340 on that nothing listens
   * on: benchmarks never share a server, so one stopping cannot break another.
   */
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
  const port = options.port ?? (process.env.GENAUG_BENCH_PG_PORT ? Number(process.env.GENAUG_BENCH_PG_PORT) : await unusedPort(54340));
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

/** The first port from `from` on that refuses a TCP connection on 127.0.0.1. */
async function unusedPort(from: number): Promise<number> {
  for (let port = from; port < from + 50; port++) if (!(await listening(port))) return port;
  throw new Error(`no unused port in ${from}-${from + 49} for the benchmark PostgreSQL`);
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
