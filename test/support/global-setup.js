// Starts one embedded PostgreSQL for the whole test run (unless DATABASE_URL points at a
// server); every suite then creates its own database on it. Each run gets its own port and
// data directory, so runs side by side never share (or stop) each other's server.
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

module.exports = async () => {
  process.env.NODE_ENV = 'test';
  if (process.env.DATABASE_URL) {
    process.env.GENAUG_TEST_SERVER_URL = process.env.DATABASE_URL;
    return;
  }
  const { startEmbeddedPostgres } = require('../../dist/libs/event-store/src/embedded-postgres.js');
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genaug-test-pg-'));
  fs.chmodSync(dir, 0o755);
  // Durability is not under test here; skipping fsync keeps the suite fast.
  const db = await startEmbeddedPostgres(dir, port, 'postgres', ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']);
  process.env.GENAUG_TEST_SERVER_URL = db.url;
  globalThis.__GENAUG_PG__ = { db, dir };
};
