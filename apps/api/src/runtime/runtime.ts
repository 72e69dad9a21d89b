import type { Pool } from 'pg';
import { loadConfig, type AppConfig } from '@genaug/kernel';
import { createPool, migrate, resolveDatabase, Sealer, SubscriptionHost, type DatabaseHandle } from '@genaug/event-store';
import { allMigrations } from './migrations';
import { loadSecrets } from './secrets';
import { allProjections } from './subscriptions';

export interface Runtime {
  config: AppConfig;
  databaseUrl: string;
  database: DatabaseHandle;
  pool: Pool;
  masterKey: Buffer;
  adminKey: string;
  adminKeyGenerated: boolean;
  host: SubscriptionHost;
  sealer: Sealer;
  close(): Promise<void>;
}

/**
 * Configuration, database (DATABASE_URL or the embedded PostgreSQL), secrets and migrations:
 * what every process (server, worker, CLI) needs before it can do anything.
 */
export async function openRuntime(env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  const config = loadConfig(env);
  const secrets = loadSecrets(config);
  const database = await resolveDatabase(config.DATABASE_URL, config.GENAUG_DATA_DIR, config.GENAUG_EMBEDDED_PG_PORT);
  const pool = createPool(database.url, { max: 10 });
  await migrate(pool, allMigrations);
  const sealer = new Sealer(pool, secrets.masterKey);
  const host = new SubscriptionHost(pool, null);
  for (const p of allProjections(sealer)) host.addProjection(p);
  await host.setup();
  return {
    config,
    databaseUrl: database.url,
    database,
    pool,
    masterKey: secrets.masterKey,
    adminKey: secrets.adminKey,
    adminKeyGenerated: secrets.generated,
    host,
    sealer,
    async close() {
      await pool.end().catch(() => undefined);
    },
  };
}
