// Starts one embedded PostgreSQL for the whole test run (unless DATABASE_URL points at a
// server); every suite then creates its own database on it.
const os = require('os');
const path = require('path');

module.exports = async () => {
  process.env.NODE_ENV = 'test';
  if (process.env.DATABASE_URL) {
    process.env.GENAUG_TEST_SERVER_URL = process.env.DATABASE_URL;
    return;
  }
  const { startEmbeddedPostgres } = require('../../dist/libs/event-store/src/embedded-postgres.js');
  const port = Number(process.env.GENAUG_TEST_PG_PORT ?? 54330);
  const dir = path.join(os.tmpdir(), `genaug-test-pg-${port}`);
  // Durability is not under test here; skipping fsync keeps the suite fast.
  const db = await startEmbeddedPostgres(dir, port, 'postgres', ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']);
  process.env.GENAUG_TEST_SERVER_URL = db.url;
  globalThis.__GENAUG_PG__ = db;
};
