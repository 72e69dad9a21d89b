// npm run bench:projections — the traces, usage and audit read models: how fast each is rebuilt
// from a 200,000-event log, and how far behind the log they run while POST /v1/responses is
// under load at concurrency 32. Results go to test/bench/results/projections.json.
import * as http from 'http';
import * as path from 'path';
import { auditProjections } from '@genaug/audit';
import * as fs from 'fs';
import * as os from 'os';
import { createPool, EventStore, migrate, Sealer, SubscriptionHost } from '@genaug/event-store';
import { allMigrations } from '../../apps/api/src/runtime/migrations';
import { startBackend } from '../../apps/api/src/backend';
import { startServer, type RunningServer } from '../../apps/api/src/server';
import { MEASURED, timeApplies, type Samples } from './support/applied-lag';
import { appendTurn } from '../../libs/audit/test/support/turn-log';
import { startBenchPostgres, type BenchServer } from './support/bench-postgres';
import { serveIsolated, startIsolated } from './support/isolation';
import { runLoad, type LoadResult } from './support/load';
import { freePort, startChild, type ChildServer } from './support/processes';
import { machineInfo, writeResults } from './support/report';
import { round, summarize, type LatencySummary } from './support/stats';
import { SERVER_NODE_FLAGS } from '../../apps/api/src/runtime/node-flags';

const root = path.resolve(__dirname, '..', '..', '..');
const SETTINGS = {
  rebuildEvents: Number(process.env.GENAUG_BENCH_REBUILD_EVENTS ?? 200_000),
  /** Turns written at once while the log is seeded. */
  seedConcurrency: 16,
  loadConcurrency: 32,
  loadDurationMs: Number(process.env.GENAUG_BENCH_DURATION_MS ?? 10_000),
  loadWarmupMs: 2000,
};
const TARGETS = { rebuildEventsPerSecond: 20_000, lagP99Ms: 100 };
const MASTER_KEY = Buffer.alloc(32, 11);
// Limits governance would otherwise apply to a single key and a handful of users at this rate.
const BENCH_SETTINGS = {
  governance: { requests_per_minute: 1_000_000, user_burst: { requests: 1_000_000, window_seconds: 1 }, agent_turns_per_day: null },
};

// ---------------------------------------------------------------------------------------------
// Rebuild: a log of realistic turns (model calls, some failing, function calls, failures), then
// each read model dropped and replayed from the start.

async function seedLog(url: string): Promise<number> {
  const pool = createPool(url, { max: SETTINGS.seedConcurrency + 4 });
  await migrate(pool, allMigrations);
  const store = new EventStore(pool);
  const sealer = new Sealer(pool, MASTER_KEY);
  const projects = ['proj_bench_a', 'proj_bench_b', 'proj_bench_c'];
  let events = 0;
  let n = 0;
  const progress = setInterval(() => process.stdout.write(`\r  seeding: ${events.toLocaleString('en-US')} events`), 1000);
  const worker = async () => {
    while (events < SETTINGS.rebuildEvents) {
      const i = n++;
      const failed = i % 23 === 0;
      await appendTurn(store, sealer, {
        projectId: projects[i % 3],
        user: `user-${i % 50}`,
        feature: ['support', 'search', 'onboarding', null][i % 4],
        day: `2026-04-${String(1 + (i % 28)).padStart(2, '0')}`,
        input: `Question ${i}: where is my order?`,
        output: `Answer ${i}`,
        modelCalls: i % 7 === 0 ? [{ outcome: 'error', error: 'upstream returned 500', costUsd: 0 }, { provider: 'anthropic', costUsd: 0.00031 }] : [{ costUsd: 0.000123 }],
        functionCalls: i % 5 === 0 ? [{ name: 'lookup_order', arguments: `{"order_id":"${i}"}` }] : undefined,
        failure: failed ? { code: 'model_error', message: 'Every model failed', statusCode: 502 } : undefined,
      });
      // TurnRequested + TurnStarted, then the model calls, function calls, the outcome and usage.
      events += 2 + (i % 7 === 0 ? 2 : 1) + (i % 5 === 0 ? 1 : 0) + 2;
    }
  };
  await Promise.all(Array.from({ length: SETTINGS.seedConcurrency }, worker));
  clearInterval(progress);
  const total = Number((await pool.query('select count(*) as n from genaug_events')).rows[0].n);
  process.stdout.write(`\r  seeded ${total.toLocaleString('en-US')} events (${n.toLocaleString('en-US')} turns)\n`);
  await pool.end();
  return total;
}

interface RebuildFigure {
  projection: string;
  logEvents: number;
  handled: number;
  seconds: number;
  eventsPerSecond: number;
}

async function rebuildAll(url: string, logEvents: number): Promise<{ each: RebuildFigure[]; together: RebuildFigure }> {
  const pool = createPool(url, { max: 10 });
  const host = new SubscriptionHost(pool, null);
  for (const p of auditProjections) host.addProjection(p);
  await host.setup();
  const timed = async (name: string): Promise<RebuildFigure> => {
    const t0 = performance.now();
    const done = await host.rebuild(name);
    const seconds = (performance.now() - t0) / 1000;
    return { projection: name, logEvents, handled: done.handled, seconds: round(seconds, 3), eventsPerSecond: round(logEvents / seconds, 0) };
  };
  const each: RebuildFigure[] = [];
  for (const p of auditProjections) {
    each.push(await timed(p.name));
    console.log(`  rebuilt ${p.name}: ${each[each.length - 1].eventsPerSecond.toLocaleString('en-US')} log events/s`);
  }
  // The three together, as a fresh deployment rebuilds them: each replays the whole log.
  const t0 = performance.now();
  const parts = await Promise.all(MEASURED.map((name) => host.rebuild(name)));
  const seconds = (performance.now() - t0) / 1000;
  const together = {
    projection: MEASURED.join(' + '),
    logEvents: logEvents * MEASURED.length,
    handled: parts.reduce((s, p) => s + p.handled, 0),
    seconds: round(seconds, 3),
    eventsPerSecond: round((logEvents * MEASURED.length) / seconds, 0),
  };
  await pool.end();
  return { each, together };
}

// ---------------------------------------------------------------------------------------------
// Lag: the real server with its read models timed as they apply each event, under load from
// another process so the load does not share an event loop with it.

interface LoadTask {
  url: string;
  apiKey: string;
}

/** The load generator's side: closed-loop POST /v1/responses at concurrency 32. */
async function generateLoad(task: LoadTask): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: SETTINGS.loadConcurrency * 2 });
  const body = (w: number) =>
    JSON.stringify({ model: 'balanced', user: `bench-user-${w % 8}`, input: 'Summarize this support request and suggest the next action.', metadata: { feature: `f${w % 3}` } });
  const result = await runLoad({
    concurrency: SETTINGS.loadConcurrency,
    durationMs: SETTINGS.loadDurationMs,
    warmupMs: SETTINGS.loadWarmupMs,
    operation: (w) =>
      new Promise<number>((resolve, reject) => {
        const payload = body(w);
        const req = http.request(
          `${task.url}/v1/responses`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${task.apiKey}`, 'content-length': Buffer.byteLength(payload) } },
          (res) => {
            res.resume();
            res.on('end', () => (res.statusCode === 200 ? resolve(1) : reject(new Error(`POST /v1/responses: ${res.statusCode}`))));
          },
        );
        req.on('error', reject);
        req.end(payload);
      }),
  });
  agent.destroy();
  return result;
}

type Deployment = 'npm start: api and worker threads' | 'api and worker processes' | 'api and worker on one thread';
const DEPLOYMENTS: Deployment[] = ['npm start: api and worker threads', 'api and worker processes', 'api and worker on one thread'];

interface LagFigure {
  deployment: Deployment;
  load: LoadResult;
  lagMs: Record<string, LatencySummary>;
}

/**
 * Runs the backend as the deployment says, with the worker's read models timed, while the load
 * comes from a process of its own:
 * - `npm start`: this process, the api role on its main thread, the worker role on a second one;
 * - api and worker processes: the worker role here, the api role in a child process;
 * - one thread: both roles on this process's main thread (one event loop for everything).
 */
async function measureLag(pg: BenchServer, deployment: Deployment, samples: Samples): Promise<LagFigure> {
  const dbName = `bench_projections_lag_${DEPLOYMENTS.indexOf(deployment)}`;
  const url = await pg.createDatabase(dbName);
  const adminKey = 'gaadm_bench_0123456789abcdef0123456789abcdef';
  const pool = createPool(url, { max: 1 });
  await migrate(pool, allMigrations);
  await pool.end();
  const options = { databaseUrl: url, masterKey: MASTER_KEY, adminKey, port: 0, host: '127.0.0.1', bodyLimitBytes: 1024 * 1024 };
  const samplesFile = path.join(os.tmpdir(), `genaug-bench-samples-${process.pid}.json`);
  let server: RunningServer;
  let api: ChildServer | null = null;
  let apiUrl: string;
  if (deployment === 'npm start: api and worker threads') {
    process.env.GENAUG_BENCH_SAMPLES_FILE = samplesFile;
    server = await startBackend({ ...options, roles: ['api', 'worker'] }, path.join(__dirname, 'support/timed-worker-thread.js'));
    apiUrl = server.url;
  } else if (deployment === 'api and worker processes') {
    server = await startServer({ ...options, roles: ['worker'] });
    const port = await freePort();
    api = await startChild(
      process.execPath,
      [...SERVER_NODE_FLAGS, path.join(root, 'dist/apps/api/src/main.js')],
      {
        NODE_ENV: 'production',
        DATABASE_URL: url,
        PORT: String(port),
        HOST: '127.0.0.1',
        GENAUG_ADMIN_KEY: adminKey,
        GENAUG_MASTER_KEY: MASTER_KEY.toString('hex'),
        GENAUG_ROLES: 'api',
        GENAUG_LOG_LEVEL: 'warn',
      },
      `http://127.0.0.1:${port}/health/live`,
    );
    apiUrl = `http://127.0.0.1:${port}`;
  } else {
    server = await startServer({ ...options, roles: ['api', 'worker'] });
    apiUrl = server.url;
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await api?.stop();
    await server.close();
  };
  try {
    const admin = { 'content-type': 'application/json', 'x-admin-key': adminKey };
    const project: any = await (await fetch(`${apiUrl}/api/v1/admin/projects`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Bench', settings: BENCH_SETTINGS }) })).json();
    const key: any = await (await fetch(`${apiUrl}/api/v1/admin/projects/${project.id}/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ scopes: ['responses'] }) })).json();
    for (const list of samples.values()) list.length = 0;
    const started = Date.now();
    const generator = startIsolated(__filename, SETTINGS.loadDurationMs * 4 + 60_000);
    const load = await generator.run<LoadResult>({ url: apiUrl, apiKey: key.key } satisfies LoadTask).finally(() => generator.stop());
    await stop();
    // The worker thread wrote its samples as it stopped.
    const measured: Samples = deployment === 'npm start: api and worker threads' ? new Map(JSON.parse(fs.readFileSync(samplesFile, 'utf8'))) : samples;
    // Events applied after the warm-up and up to the end of the measured window.
    const from = started + SETTINGS.loadWarmupMs;
    const to = from + load.seconds * 1000;
    const lagMs: Record<string, LatencySummary> = {};
    for (const [name, list] of measured) {
      const s = summarize(list.filter((x) => x.at >= from && x.at <= to).map((x) => x.lagMs));
      lagMs[name] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 2)])) as unknown as LatencySummary;
    }
    return { deployment, load, lagMs };
  } finally {
    await stop();
    fs.rmSync(samplesFile, { force: true });
    await pg.dropDatabase(dbName);
  }
}

async function main(): Promise<void> {
  const pg = await startBenchPostgres();
  try {
    console.log(`rebuild over ${SETTINGS.rebuildEvents.toLocaleString('en-US')} events`);
    const rebuildUrl = await pg.createDatabase('bench_projections_rebuild');
    // Seeding is set-up, not under test: its commits need not wait for the disk.
    const seedAdmin = createPool(rebuildUrl, { max: 1 });
    await seedAdmin.query(`alter database bench_projections_rebuild set synchronous_commit = off`);
    await seedAdmin.end();
    const logEvents = await seedLog(rebuildUrl);
    const rebuild = await rebuildAll(rebuildUrl, logEvents);
    await pg.dropDatabase('bench_projections_rebuild');

    const samples = timeApplies(auditProjections);
    const lag: LagFigure[] = [];
    for (const deployment of DEPLOYMENTS) {
      console.log(`lag while POST /v1/responses runs at concurrency ${SETTINGS.loadConcurrency}, ${deployment}`);
      lag.push(await measureLag(pg, deployment, samples));
    }

    const rows = [
      ...rebuild.each.map((r) => [`rebuild ${r.projection}`, `${r.eventsPerSecond.toLocaleString('en-US')} log events/s`, `${r.handled.toLocaleString('en-US')} applied in ${r.seconds}s`]),
      [`rebuild ${rebuild.together.projection}, at once`, `${rebuild.together.eventsPerSecond.toLocaleString('en-US')} log events/s`, `${rebuild.together.seconds}s wall`],
      ...lag.flatMap((l) => [
        ...Object.entries(l.lagMs).map(([name, s]) => [`lag ${name} (${l.deployment})`, `p50 ${s.p50} ms, p99 ${s.p99} ms`, `${s.count.toLocaleString('en-US')} events, max ${s.max} ms`]),
        [`POST /v1/responses c=32 (${l.deployment})`, `${round(l.load.operationsPerSecond, 0)} req/s`, `p50 ${round(l.load.latencyMs.p50)} ms, p99 ${round(l.load.latencyMs.p99)} ms`],
      ]),
    ];
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
    console.log('\nprojections');
    for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
    const slowest = Math.min(...rebuild.each.filter((r) => MEASURED.includes(r.projection)).map((r) => r.eventsPerSecond));
    const worstP99 = (l: LagFigure) => Math.max(...Object.values(l.lagMs).map((s) => s.p99));
    console.log(
      `\ntargets: rebuild >= ${TARGETS.rebuildEventsPerSecond.toLocaleString('en-US')} events/s (slowest ${slowest.toLocaleString('en-US')}), ` +
        `lag p99 < ${TARGETS.lagP99Ms} ms (worst: ${lag.map((l) => `${worstP99(l)} ms ${l.deployment}`).join(', ')})\n`,
    );
    const roundLoad = (l: LoadResult) => ({ ...l, latencyMs: Object.fromEntries(Object.entries(l.latencyMs).map(([k, v]) => [k, round(v, 2)])) });
    writeResults(path.join(root, 'test/bench/results/projections.json'), {
      benchmark: 'projections',
      date: new Date().toISOString(),
      machine: { ...machineInfo(), postgres: pg.version, postgresSettings: pg.settings },
      settings: SETTINGS,
      targets: TARGETS,
      rebuild,
      lag: lag.map((l) => ({ deployment: l.deployment, lagMs: l.lagMs, load: roundLoad(l.load) })),
      met: {
        rebuild: slowest >= TARGETS.rebuildEventsPerSecond,
        lag: Object.fromEntries(lag.map((l) => [l.deployment, worstP99(l) < TARGETS.lagP99Ms])),
      },
    });
  } finally {
    await pg.stop();
  }
}

if (!serveIsolated((task: LoadTask) => generateLoad(task)))
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
