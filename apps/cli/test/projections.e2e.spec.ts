import * as fs from 'fs';
import * as path from 'path';
import { EventStore, SubscriptionHost } from '@genaug/event-store';
import { projectsProjection } from '@genaug/projects';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { runCli } from './support/run-cli';

const PROJECTS = ['alpha', 'beta', 'gamma'];

describe('genaug projections', () => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let lastPosition: number;

  beforeAll(async () => {
    db = await createTestDatabase('cli_projections');
    env = { DATABASE_URL: db.url };
    const store = new EventStore(db.pool);
    for (const slug of PROJECTS) {
      const projectId = `proj_${slug}`;
      const res = await store.append(`project-${projectId}`, [
        { type: 'ProjectCreated', data: { project_id: projectId, name: slug, slug, settings: { timezone: 'UTC' } }, metadata: { project_id: projectId } },
      ]);
      lastPosition = res.lastPosition;
    }
  });
  afterAll(() => db.drop());

  const listed = async () => {
    const run = await runCli(['projections', 'list', '--json'], env);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    return JSON.parse(run.stdout) as Array<Record<string, any>>;
  };

  it('lists each projection with its status, checkpoint and lag', async () => {
    const projects = (await listed()).find((p) => p.name === 'projects');
    expect(projects).toMatchObject({ kind: 'projection', status: 'stopped', lag_events: PROJECTS.length, checkpoint: { global_position: 0 } });
    expect(projects!.lag_seconds).toBeGreaterThanOrEqual(0);

    const table = await runCli(['projections', 'list'], env);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['NAME', 'KIND', 'STATUS', 'CHECKPOINT', 'LAG EVENTS', 'LAG']);
    expect(rows.find((r) => r.startsWith('projects '))!.split(/\s+/).slice(0, 5)).toEqual(['projects', 'projection', 'stopped', '0', '3']);
  });

  it('shows a projection consumed by another process as active', async () => {
    const host = new SubscriptionHost(db.pool, null, { pollMs: 50 });
    host.addProjection(projectsProjection);
    host.start();
    try {
      const projects = (await listed()).find((p) => p.name === 'projects');
      expect(projects!.status).toBe('active');
    } finally {
      await host.stop();
    }
  });

  it('rebuilds a projection from the history, with progress as plain lines off a terminal', async () => {
    // A read model that lost a row: the rebuild brings it back from the log.
    await db.pool.query(`delete from genaug_projects where slug = 'beta'`);
    const run = await runCli(['projections', 'rebuild', 'projects'], env);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trimEnd().split('\n')).toEqual(['rebuilding projects: 3/3 events', 'rebuilt projects: 3 events replayed']);
    const rows = await db.pool.query('select slug from genaug_projects order by slug');
    expect(rows.rows.map((r) => r.slug)).toEqual(PROJECTS);
    const projects = (await listed()).find((p) => p.name === 'projects');
    expect(projects).toMatchObject({ lag_events: 0, checkpoint: { global_position: lastPosition } });
  });

  it('exits non-zero for an unknown projection, naming the known ones', async () => {
    const run = await runCli(['projections', 'rebuild', 'nope'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown projection "nope"; known: .*projects/);
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'));
    const run = await runCli(['--version']);
    expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});
