import { EventStore } from '@genaug/event-store';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { entry, note } from '../../../test/support/fixtures/sample-events';
import { removeEvent, tamperWithEvent } from '../../../test/support/fixtures/tampering';
import { runCli } from './support/run-cli';

describe('genaug audit verify', () => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    db = await createTestDatabase('cli_audit');
    env = { DATABASE_URL: db.url };
    const store = new EventStore(db.pool);
    for (const s of ['ledger-1', 'ledger-2', 'ledger-3']) {
      const metadata = { project_id: s === 'ledger-3' ? 'proj_other' : 'proj_main' };
      for (let v = 0; v < 4; v++) await store.append(s, [{ ...entry(0, v), metadata }, { ...note(`${s} ${v}`), metadata }]);
    }
  });
  afterAll(() => db.drop());

  it('passes on an untouched history with exit code 0', async () => {
    const run = await runCli(['audit', 'verify'], env);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe('PASS hash chain intact: 3 streams, 24 events verified\n');
  });

  it('fails with exit code 1 naming the stream and version of a changed event', async () => {
    await tamperWithEvent(db.pool, 'ledger-2', 6, 'text', 'edited by someone');
    const run = await runCli(['audit', 'verify'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL stream ledger-2 version 6: hash mismatch/);

    const json = await runCli(['audit', 'verify', '--json'], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      streams: 2,
      events: 13,
      broken: { streamId: 'ledger-2', version: 6, globalPosition: expect.any(Number), problem: 'hash_mismatch' },
    });

    // Scoped to what was not touched, it still passes.
    const other = await runCli(['audit', 'verify', '--project', 'proj_other'], env);
    expect(other).toMatchObject({ code: 0, stdout: 'PASS hash chain intact (project proj_other): 1 stream, 8 events verified\n' });
  });

  it('reports a removed event as a missing version', async () => {
    await removeEvent(db.pool, 'ledger-3', 3);
    const run = await runCli(['audit', 'verify', '--stream', 'ledger-3'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL stream ledger-3 version 3: missing version/);
  });

  it('exits 2 on a usage error', async () => {
    const run = await runCli(['audit', 'verify', '--strem', 'x'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--strem'");
  });

  it('exits 2 when the database cannot be reached', async () => {
    const url = new URL(db.url);
    url.port = '1';
    const run = await runCli(['audit', 'verify'], { DATABASE_URL: url.toString() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^genaug: cannot open the database: .*ECONNREFUSED/);
  });
});
