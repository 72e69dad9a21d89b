import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { startBackend } from '../src/backend';
import type { RunningServer } from '../src/server';
import { createTestDatabase, testMasterKey, type TestDatabase } from '../../../test/support/test-database';
import { createProjectWithKey, http, type TestServer } from '../../../test/support/test-server';
import { waitUntil } from '../../../libs/event-store/test/support/read-model';

// The thread runs the built worker entry (npm test builds first).
const WORKER_ENTRY = path.resolve(__dirname, '../../../dist/apps/api/src/worker-thread.main.js');

/**
 * `npm start` runs the api role on the main thread and the worker role (projections, reactors)
 * on a second one. Everything that crosses between them must still work: reading your own
 * writes, read models, and metrics counted by the worker's consumers.
 */
describe('the backend on two threads', () => {
  let db: TestDatabase;
  let server: RunningServer;
  let t: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase('backend_threads');
    const adminKey = `gaadm_test_${randomBytes(16).toString('hex')}`;
    server = await startBackend(
      { databaseUrl: db.url, masterKey: testMasterKey, adminKey, roles: ['api', 'worker'], port: 0, host: '127.0.0.1', bodyLimitBytes: 1024 * 1024 },
      WORKER_ENTRY,
    );
    t = { url: server.url, adminKey, db, server, close: async () => undefined };
  });
  afterAll(async () => {
    await server.close();
    await db.drop();
  });

  it('serves turns and memory, builds read models on the worker thread, and reports its metrics', async () => {
    // A new key works at once: the projects read model is the worker thread's.
    const { projectId, apiKey } = await createProjectWithKey(t, 'Threads');
    const auth = { authorization: `Bearer ${apiKey}` };

    const turn = await http(`${t.url}/v1/responses`, { headers: auth, body: { model: 'balanced', user: 'u-1', input: 'Hello there' } });
    expect(turn.status).toBe(200);
    expect(turn.body.status).toBe('completed');

    const stored = await http(`${t.url}/v1/memory`, {
      headers: auth,
      body: { user_id: 'u-1', fact: 'Prefers window seats', fact_type: 'preference', importance_score: 0.8 },
    });
    expect(stored.status).toBe(201);
    // Stored means searchable: the store waited for the worker thread's memory projection.
    const list = await http(`${t.url}/v1/memory?user_id=u-1`, { headers: auth });
    expect(list.body.data.map((m: any) => m.id)).toEqual([stored.body.id]);

    const admin = { 'x-admin-key': t.adminKey };
    await waitUntil('the trace is projected', async () => (await http(`${t.url}/api/v1/admin/projects/${projectId}/traces/${turn.body.id}`, { headers: admin })).status === 200, 20_000);

    // Turn metrics are counted by a reactor on the worker thread and scraped from the main one.
    await waitUntil('the turn is counted', async () => /genaug_turns_total\{status="completed"\} 1\b/.test((await http(`${t.url}/metrics`)).body), 20_000);
    const metrics: string = (await http(`${t.url}/metrics`)).body;
    expect(metrics).toMatch(/genaug_http_requests_total\{[^}]*route="\/v1\/responses"[^}]*\} 1\b/);
    // Process-wide figures are reported once, not summed over the threads.
    expect(metrics.match(/^genaug_process_start_time_seconds /gm)).toHaveLength(1);
  });

  it('runs the worker thread, and it alone, at a lower scheduling priority than the requests', () => {
    // Linux keeps a niceness per thread: field 19 of /proc/self/task/<tid>/stat.
    const niceness = fs.readdirSync('/proc/self/task').map((tid) => Number(fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]));
    expect(niceness.filter((n) => n === 10)).toHaveLength(1);
    expect(niceness.filter((n) => n !== 10 && n !== 0)).toEqual([]);
  });
});
