import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres';

export interface DatabaseHandle {
  url: string;
  embedded: EmbeddedDatabase | null;
}

/** DATABASE_URL when set; otherwise PostgreSQL from the embedded-postgres package under the data directory. */
export async function resolveDatabase(url: string | undefined, dataDir: string, embeddedPort: number): Promise<DatabaseHandle> {
  if (url) return { url, embedded: null };
  const embedded = await startEmbeddedPostgres(dataDir, embeddedPort);
  return { url: embedded.url, embedded };
}

export function createPool(url: string, config: PoolConfig = {}): Pool {
  const pool = new Pool({ connectionString: url, max: 20, ...config });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in one transaction on a client of its own: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
