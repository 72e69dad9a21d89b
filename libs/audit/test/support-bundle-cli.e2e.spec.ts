import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EventStore, Sealer } from '@genaug/event-store';
import { runCli } from '../../../apps/cli/test/support/run-cli';
import { createTestDatabase, testMasterKey, type TestDatabase } from '../../../test/support/test-database';
import { appendTurn, type WrittenTurn } from './support/turn-log';

describe('genaug support-bundle', () => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let turn: WrittenTurn;
  let dir: string;
  const projectId = 'proj_bundle';

  beforeAll(async () => {
    db = await createTestDatabase('audit_bundle_cli');
    // The CLI runs with the same master key the turn was sealed with (run-cli's GENAUG_MASTER_KEY).
    expect(testMasterKey.toString('hex')).toBe('07'.repeat(32));
    env = { DATABASE_URL: db.url };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genaug-bundle-'));
    const store = new EventStore(db.pool);
    await store.append(`project-${projectId}`, [
      { type: 'ProjectCreated', data: { project_id: projectId, name: 'Bundles', slug: 'bundles', settings: { timezone: 'UTC' } }, metadata: { project_id: projectId } },
    ]);
    turn = await appendTurn(store, new Sealer(db.pool, testMasterKey), {
      projectId,
      user: 'user-9',
      input: 'I am reachable at sam@example.org',
      idempotencyKey: 'support:user-9:7',
      userAgent: 'general-augment-sdk/0.1.1 python',
      functionCalls: [{ name: 'lookup', arguments: '{"email":"sam@example.org"}' }],
    });
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('writes the redacted bundle of a turn found by its trace id, catching the read models up first', async () => {
    const file = path.join(dir, 'bundle.json');
    const run = await runCli(['support-bundle', turn.traceId, '--project', 'bundles', '--output', file], env);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`turn ${turn.responseId}, 6 events, status completed`);
    const bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(bundle).toMatchObject({
      object: 'support_bundle',
      project: { id: projectId, slug: 'bundles' },
      ids: { response_id: turn.responseId, trace_id: turn.traceId, request_id: turn.requestId, idempotency_key: 'support:user-9:7', user: 'user-9' },
      request: { client: { name: 'general-augment-sdk', version: '0.1.1' } },
      trace: { input: { text: 'I am reachable at [email]' } },
      chain: { ok: true },
    });
    expect(bundle.trace.spans.find((s: any) => s.kind === 'function_call').attributes.arguments).toBe('{"email":"[email]"}');
    expect(bundle.server.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(fs.readFileSync(file, 'utf8')).not.toContain('sam@example.org');
  });

  it('prints to stdout on request, and fails plainly for an unknown turn or project', async () => {
    const printed = await runCli(['support-bundle', turn.responseId, '--project', projectId, '--stdout'], env);
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout).ids.response_id).toBe(turn.responseId);
    const unknown = await runCli(['support-bundle', 'resp_nope', '--project', 'bundles'], env);
    expect(unknown).toMatchObject({ code: 1, stderr: 'genaug: no turn "resp_nope" in project "bundles"\n' });
    const noProject = await runCli(['support-bundle', turn.responseId, '--project', 'nope'], env);
    expect(noProject).toMatchObject({ code: 1, stderr: 'genaug: no project "nope"\n' });
  });
});
