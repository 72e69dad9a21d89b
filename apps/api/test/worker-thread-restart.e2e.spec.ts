import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { startBackend } from '../src/backend';
import type { RunningServer } from '../src/server';
import { createTestDatabase, testMasterKey, type TestDatabase } from '../../../test/support/test-database';
import { createProjectWithKey, http, type TestServer } from '../../../test/support/test-server';
import { waitUntil } from '../../../libs/event-store/test/support/read-model';

// Runs the built worker entry (npm test builds first), through one that dies once.
const DIES_ONCE = path.resolve(__dirname, 'support/worker-that-dies-once.js');

/** A worker thread that dies is started again, and its projections go on from their checkpoints. */
describe('the worker thread after a crash', () => {
  let db: TestDatabase;
  let server: RunningServer;
  let t: TestServer;
  const starts = path.join(os.tmpdir(), `genaug-worker-starts-${randomBytes(6).toString('hex')}`);

  beforeAll(async () => {
    db = await createTestDatabase('worker_restart');
    const adminKey = `gaadm_test_${randomBytes(16).toString('hex')}`;
    // The worker thread is given the backend's options: the entry finds its file there.
    const options = { databaseUrl: db.url, masterKey: testMasterKey, adminKey, roles: ['api', 'worker'], port: 0, host: '127.0.0.1', bodyLimitBytes: 1024 * 1024 };
    server = await startBackend({ ...options, workerStarts: starts } as typeof options, DIES_ONCE);
    t = { url: server.url, adminKey, db, server, close: async () => undefined };
  });
  afterAll(async () => {
    await server?.close();
    await db.drop();
    fs.rmSync(starts, { force: true });
  });

  it('starts it again, and read models built on it keep up with new turns', async () => {
    const startCount = () => fs.readFileSync(starts, 'utf8').split('\n').filter(Boolean).length;
    await waitUntil('the worker thread is started again', () => startCount() === 2, 20_000);

    // A new key works at once only if the projects projection runs: it is on the new thread.
    const { projectId, apiKey } = await createProjectWithKey(t, 'After the crash');
    const turn = await http(`${t.url}/v1/responses`, { headers: { authorization: `Bearer ${apiKey}` }, body: { model: 'balanced', input: 'Still there?' } });
    expect(turn.status).toBe(200);
    const admin = { 'x-admin-key': t.adminKey };
    await waitUntil(
      'the trace is projected',
      async () => (await http(`${t.url}/api/v1/admin/projects/${projectId}/traces/${turn.body.id}`, { headers: admin })).body?.status === 'completed',
      20_000,
    );
    expect(startCount()).toBe(2);
  });
});
