import { spawn } from 'child_process';
import * as net from 'net';
import { GENAUG_BIN, runCli } from '../../apps/cli/test/support/run-cli';
import { startMockServer, type MockServer } from '../../libs/mock/src';
import { createProjectWithKey, startTestServer, type TestServer } from '../support/test-server';

// The app-team commands of the built `genaug` binary, against the real server and the mock,
// as a CI job runs them: exit codes to gate on, PASS/FAIL lines for people, JSON for machines.

describe('genaug app-team commands', () => {
  let t: TestServer;
  let env: NodeJS.ProcessEnv;
  let project: { projectId: string; slug: string; apiKey: string };
  beforeAll(async () => {
    t = await startTestServer('cli_app_team');
    project = await createProjectWithKey(t, 'Acme Agent');
    env = { GENAUG_API_BASE_URL: t.url, GENAUG_ADMIN_KEY: t.adminKey, GENAUG_API_KEY: project.apiKey };
  });
  afterAll(() => t.close());

  it('creates and lists projects, and issues, lists and revokes keys', async () => {
    const created = await runCli(['projects', 'create', 'Support Bot', '--json'], env);
    expect(created.code).toBe(0);
    const p = JSON.parse(created.stdout);
    expect(p).toMatchObject({ object: 'project', name: 'Support Bot', slug: 'support-bot' });

    const taken = await runCli(['projects', 'create', 'Support Bot'], env);
    expect(taken).toMatchObject({ code: 1, stderr: "genaug: 409 slug_taken: The slug 'support-bot' is already used by another project\n" });

    const list = await runCli(['projects', 'list'], env);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+SLUG\s+NAME\s+CREATED$/);
    expect(list.stdout).toContain(`${p.id}  support-bot  Support Bot`);

    const key = await runCli(['keys', 'create', '--project', 'support-bot', '--environment', 'production', '--label', 'prod backend'], env);
    expect(key.code).toBe(0);
    const [line, raw] = key.stdout.split('\n');
    expect(line).toMatch(/^created production key key_[0-9a-f]{32} \(responses\) for project support-bot$/);
    expect(raw).toMatch(/^ga_live_[0-9a-f]{24}_[0-9a-f]{40}$/);
    expect(key.stderr).toContain('not shown again');
    const keyId = /key_[0-9a-f]{32}/.exec(line)![0];

    const revoked = await runCli(['keys', 'revoke', keyId, '--project', 'support-bot', '--json'], env);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: keyId, revoked_at: expect.any(String) });
    const keys = JSON.parse((await runCli(['keys', 'list', '--project', p.id, '--json'], env)).stdout);
    expect(keys).toEqual([expect.objectContaining({ id: keyId, environment: 'production', label: 'prod backend', revoked_at: expect.any(String) })]);
  });

  it('exits 2 when it cannot run: no admin key, a bad option, an unreachable server', async () => {
    expect(await runCli(['projects', 'list'], { GENAUG_API_BASE_URL: t.url, GENAUG_ADMIN_KEY: '' })).toMatchObject({
      code: 2,
      stderr: 'genaug: no admin key: set GENAUG_ADMIN_KEY or pass --admin-key\n',
    });
    expect(await runCli(['keys', 'create', '--project', 'x', '--environment', 'prod'], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('--environment must be one of') });
    const down = await runCli(['projects', 'list'], { ...env, GENAUG_API_BASE_URL: 'http://127.0.0.1:1' });
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^genaug: connection_error: Could not reach the General Augment API/);
  });

  it('smoke: one turn end to end, PASS lines and exit 0; a refused key fails it with exit 1', async () => {
    const smoke = await runCli(['smoke', '--project', project.slug], env);
    expect(smoke.code).toBe(0);
    expect(smoke.stdout.split('\n').map((l) => l.replace(/:.*/, ''))).toEqual([
      'PASS health',
      'PASS response',
      'PASS response_retrievable',
      'PASS trace',
      'PASS usage',
      'PASS',
      '',
    ]);
    expect(smoke.stdout).toMatch(/PASS usage: the turn is counted: 1 turn of genaug-smoke/);

    const refused = await runCli(['smoke', '--json'], { ...env, GENAUG_API_KEY: 'ga_dev_000000000000000000000000_0000000000000000000000000000000000000000' });
    expect(refused.code).toBe(1);
    const report = JSON.parse(refused.stdout);
    expect(report).toMatchObject({ ok: false, evidence: ['health=PASS', 'response=FAIL', 'response_retrievable=SKIP', 'trace=SKIP', 'usage=SKIP'] });
    expect(report.checks[1].detail).toBe('401 invalid_api_key: Invalid API key');
  });

  it('verify: configuration and reachability, and whether the key belongs to the project', async () => {
    const ok = await runCli(['verify', '--project', project.slug, '--json'], env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).evidence).toEqual([
      'base_url=PASS',
      'api_key=PASS',
      'admin_key=PASS',
      'reachable=PASS',
      'ready=PASS',
      'api_key_accepted=PASS',
      'admin_key_accepted=PASS',
      'project=PASS',
      'api_key_project=PASS',
    ]);
    const other = await createProjectWithKey(t, 'Other App');
    const mismatch = await runCli(['verify', '--project', project.slug], { ...env, GENAUG_API_KEY: other.apiKey });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stdout).toMatch(/^FAIL api_key_project: GENAUG_API_KEY \(ga_dev_[0-9a-f]{24}…\) is not a key of project acme-agent$/m);
  });

  it('onboarding verify --json: the launch evidence, with project_key_execution=PASS', async () => {
    const run = await runCli(['onboarding', 'verify', '--project', project.slug, '--json'], env);
    expect(run.code).toBe(0);
    const evidence = JSON.parse(run.stdout);
    expect(evidence).toMatchObject({
      ok: true,
      project: { id: project.projectId, slug: project.slug, name: 'Acme Agent' },
      server: { url: t.url, version: expect.any(String), build: expect.any(String) },
      cli_version: expect.any(String),
      sdk_version: '0.1.1',
      summary: { project_key_execution: 'PASS', ids_retrievable: 'PASS', memory_isolation: 'PASS', limits_reachable: 'PASS' },
    });
    expect(evidence.evidence).toContain('project_key_execution=PASS');
    // One development key only: a launch warning, not a failure.
    expect(evidence.summary.keys_separated_by_environment).toBe('WARN');
    const execution = evidence.checks.find((c: any) => c.name === 'project_key_execution');
    expect(execution.evidence).toMatchObject({ key_source: 'GENAUG_API_KEY', key_environment: 'development', status: 'completed' });

    const missing = await runCli(['onboarding', 'verify', '--project', 'no-such-project'], env);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('project_exists=FAIL  404 not_found: Project not found');
  });

  describe('against the mock', () => {
    let mock: MockServer;
    beforeAll(async () => {
      mock = await startMockServer({ port: 0, quiet: true });
    });
    afterAll(() => mock.close());

    it('smoke passes with any key, so CI can run it before a server exists', async () => {
      const run = await runCli(['smoke'], { GENAUG_API_BASE_URL: mock.url, GENAUG_API_KEY: 'local-test', GENAUG_ADMIN_KEY: 'local-admin' });
      expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/PASS: 5 passed, 0 failed\n$/) });
    });
  });

  describe('genaug mock', () => {
    const freePort = () =>
      new Promise<number>((resolve) => {
        const srv = net.createServer().listen(0, '127.0.0.1', () => {
          const { port } = srv.address() as net.AddressInfo;
          srv.close(() => resolve(port));
        });
      });

    it('serves until SIGTERM, then exits 0; says where it listens unless --quiet', async () => {
      const port = await freePort();
      const child = spawn(process.execPath, [GENAUG_BIN, 'mock', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      for (let i = 0; i < 100 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 50));
      const res = await fetch(`http://127.0.0.1:${port}/v1/responses`, {
        method: 'POST',
        headers: { authorization: 'Bearer local-test', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'balanced', input: 'ping' }),
      });
      expect(((await res.json()) as any).output[0].content[0].text).toBe('You said: ping');
      const code = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await code).toBe(0);
      expect(out).toContain(`General Augment mock listening on http://127.0.0.1:${port}`);
      expect(out).toMatch(new RegExp(`POST /v1/responses 200 [\\d.]+ms req_[0-9a-f]{32}`));
    });

    it('exits 2 naming the address when the port is taken', async () => {
      const busy = await startMockServer({ port: 0, quiet: true });
      try {
        const run = await runCli(['mock', '--port', String(busy.port), '--quiet']);
        expect(run).toMatchObject({ code: 2, stderr: `genaug: cannot listen on 127.0.0.1:${busy.port}: EADDRINUSE\n` });
      } finally {
        await busy.close();
      }
    });
  });
});
