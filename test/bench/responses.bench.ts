import * as path from 'path';
import * as http from 'http';
import { startBenchPostgres } from './support/bench-postgres';
import { runLoad, type LoadResult } from './support/load';
import { freePort, startChild } from './support/processes';
import { compare, machineInfo, printComparisons, writeResults } from './support/report';
import { startFakeOpenAI } from '../support/upstreams';
import { SERVER_NODE_FLAGS } from '../../apps/api/src/runtime/node-flags';

// `npm run bench:responses`: our POST /v1/responses against the Portkey gateway, both in front of
// the same zero-latency local OpenAI-compatible upstream, in one run on this machine. Ours
// commits every turn's events (request, model call, completion, usage) before it answers.
// Beside them, for reference, a bare server making only the round trips a recorded turn needs
// (support/round-trip-floor.ts): what those cost here, apart from everything else we do per turn;
// and the same with the fewest round trips any server recording turns by the rules can
// make (two commits: admission with the request, before the model call; the outcome, after it).

const root = path.resolve(__dirname, '..', '..', '..');
const DURATION_MS = Number(process.env.GENAUG_BENCH_DURATION_MS ?? 8000);
const WARMUP_MS = 2000;
const ROUNDS = Number(process.env.GENAUG_BENCH_ROUNDS ?? 3);

/** The run whose requests/s is the median of the runs (the lower middle one of an even count). */
const medianRun = (runs: LoadResult[]): LoadResult =>
  [...runs].sort((a, b) => a.operationsPerSecond - b.operationsPerSecond)[Math.floor((runs.length - 1) / 2)];

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: (worker: number) => string;
}

/** One POST over a keep-alive agent; resolves with the status and body. */
function post(url: string, headers: Record<string, string>, body: string, agent: http.Agent): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(target: Target, concurrency: number, agent: http.Agent): Promise<LoadResult> {
  return runLoad({
    concurrency,
    durationMs: DURATION_MS,
    warmupMs: WARMUP_MS,
    operation: async (worker) => {
      const res = await post(target.url, target.headers, target.body(worker), agent);
      if (res.status !== 200) throw new Error(`${target.name}: ${res.status} ${res.text.slice(0, 300)}`);
      return 1;
    },
  });
}

async function main(): Promise<void> {
  const upstream = await startFakeOpenAI({ zeroLatency: true });
  const pg = await startBenchPostgres();
  const databaseUrl = await pg.createDatabase('bench_responses');
  const oursPort = await freePort();
  const adminKey = 'gaadm_bench_0123456789abcdef0123456789abcdef';
  const ours = await startChild(
    process.execPath,
    [...(process.env.GENAUG_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.GENAUG_BENCH_PROFILE}`] : []), ...SERVER_NODE_FLAGS, path.join(root, 'dist/apps/api/src/main.js')],
    {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(oursPort),
      HOST: '127.0.0.1',
      GENAUG_ADMIN_KEY: adminKey,
      GENAUG_MASTER_KEY: '11'.repeat(32),
      GENAUG_LOG_LEVEL: 'warn',
      GENAUG_TIER_BALANCED: process.env.GENAUG_BENCH_TIER ?? 'openai/gpt-bench',
      GENAUG_OPENAI_BASE_URL: upstream.url,
      OPENAI_API_KEY: 'sk-bench',
      GENAUG_GOVERNANCE: process.env.GENAUG_GOVERNANCE ?? 'on',
      GENAUG_ROLES: process.env.GENAUG_BENCH_ROLES ?? 'api,worker',
    },
    `http://127.0.0.1:${oursPort}/health/live`,
  );
  const startFloor = async (database: string, trips: 2 | 3) => {
    const port = await freePort();
    const env = { DATABASE_URL: await pg.createDatabase(database), UPSTREAM_URL: upstream.url, PORT: String(port), FLOOR_TRIPS: String(trips) };
    const child = await startChild(process.execPath, [path.join(root, 'dist/test/bench/support/round-trip-floor.js')], env, `http://127.0.0.1:${port}/`);
    return { port, child };
  };
  const floor = await startFloor('bench_round_trip_floor', 3);
  const fewest = await startFloor('bench_fewest_round_trips', 2);
  const portkeyPort = await freePort();
  const portkey = await startChild(
    process.execPath,
    ['-r', path.join(root, 'test/bench/support/bind-loopback.cjs'), path.join(root, 'node_modules/@portkey-ai/gateway/build/start-server.js'), `--port=${portkeyPort}`, '--headless'],
    {},
    `http://127.0.0.1:${portkeyPort}/`,
  );
  try {
    const admin = { 'content-type': 'application/json', 'x-admin-key': adminKey };
    // Limits and budgets are checked on every turn but set high enough that none is reached.
    const governance = { requests_per_minute: 1_000_000, user_burst: { requests: 1_000_000, window_seconds: 1 }, agent_turns_per_day: null };
    const project: any = await (
      await fetch(`http://127.0.0.1:${oursPort}/api/v1/admin/projects`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Bench', settings: { governance } }) })
    ).json();
    const key: any = await (
      await fetch(`http://127.0.0.1:${oursPort}/api/v1/admin/projects/${project.id}/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ scopes: ['responses'] }) })
    ).json();

    const targets: Target[] = [
      {
        name: 'general-augment',
        url: `http://127.0.0.1:${oursPort}/v1/responses`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
        body: (w) => JSON.stringify({ model: 'balanced', user: `bench-user-${w % 8}`, input: 'Summarize this support request and suggest the next action.' }),
      },
      {
        name: 'portkey',
        url: `http://127.0.0.1:${portkeyPort}/v1/chat/completions`,
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': upstream.url },
        body: () => JSON.stringify({ model: 'gpt-bench', messages: [{ role: 'user', content: 'Summarize this support request and suggest the next action.' }] }),
      },
      ...[
        { name: 'round-trip-floor', port: floor.port },
        { name: 'fewest-round-trips', port: fewest.port },
      ].map(({ name, port }) => ({
        name,
        url: `http://127.0.0.1:${port}/v1/responses`,
        headers: { 'content-type': 'application/json' },
        body: (w: number) => JSON.stringify({ user: `bench-user-${w % 8}`, input: 'Summarize this support request and suggest the next action.' }),
      })),
    ];
    const dispatcher = new http.Agent({ keepAlive: true, maxSockets: 64 });
    // A first round warms up every side, the load generator and the upstream (their code is
    // compiled as it runs) and is not counted. Then rounds alternate which side goes first; each
    // figure is the median round of its side, so a spell of load from elsewhere on the machine
    // hits both alike instead of whichever ran then.
    const rounds: Record<string, Record<string, LoadResult[]>> = {};
    for (let round = 0; round <= ROUNDS; round++) {
      for (const target of round % 2 ? targets : [...targets].reverse()) {
        rounds[target.name] ??= { c1: [], c32: [] };
        for (const c of [1, 32]) {
          const r = await measure(target, c, dispatcher);
          const label = round === 0 ? 'warm-up round, not counted' : `round ${round}`;
          if (round > 0) rounds[target.name][`c${c}`].push(r);
          console.log(`${target.name} c=${c} ${label}: ${r.operationsPerSecond.toFixed(0)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms`);
        }
      }
    }
    const results: Record<string, Record<string, LoadResult>> = {};
    for (const [name, byConcurrency] of Object.entries(rounds)) {
      results[name] = Object.fromEntries(Object.entries(byConcurrency).map(([c, runs]) => [c, medianRun(runs)]));
    }
    const o = results['general-augment'];
    const p = results['portkey'];
    const rows = [
      compare('requests/s, concurrency 32', 'req/s', o.c32.operationsPerSecond, p.c32.operationsPerSecond),
      // Latency: lower is better, so a ratio (ours/theirs) below 1.0 means we are faster.
      compare('p50 latency, concurrency 1 (lower is better)', 'ms', o.c1.latencyMs.p50, p.c1.latencyMs.p50),
      compare('p99 latency, concurrency 1 (lower is better)', 'ms', o.c1.latencyMs.p99, p.c1.latencyMs.p99),
      compare('p50 latency, concurrency 32 (lower is better)', 'ms', o.c32.latencyMs.p50, p.c32.latencyMs.p50),
      compare('p99 latency, concurrency 32 (lower is better)', 'ms', o.c32.latencyMs.p99, p.c32.latencyMs.p99),
    ];
    printComparisons('POST /v1/responses vs Portkey gateway (same zero-latency upstream)', '@portkey-ai/gateway 1.15.2', rows);
    const f = results['round-trip-floor'];
    const reference = [
      compare('requests/s, concurrency 32', 'req/s', o.c32.operationsPerSecond, f.c32.operationsPerSecond),
      compare('p50 latency, concurrency 1 (lower is better)', 'ms', o.c1.latencyMs.p50, f.c1.latencyMs.p50),
      compare('p50 latency, concurrency 32 (lower is better)', 'ms', o.c32.latencyMs.p50, f.c32.latencyMs.p50),
    ];
    printComparisons('Reference: POST /v1/responses vs its PostgreSQL round trips and upstream call alone', 'round trips alone', reference);
    // Whether the targets can be met here at all: the least any server recording turns can do, against Portkey.
    const least = results['fewest-round-trips'];
    const bound = [
      compare('requests/s, concurrency 32 (target: 2x)', 'req/s', least.c32.operationsPerSecond, p.c32.operationsPerSecond),
      compare('p50 latency, concurrency 1 (target: at most 1x)', 'ms', least.c1.latencyMs.p50, p.c1.latencyMs.p50),
    ];
    printComparisons('Bound: the fewest round trips alone (2 commits, nothing else; in the ours column) vs Portkey gateway', '@portkey-ai/gateway 1.15.2', bound);
    const turns: any = await (await fetch(`http://127.0.0.1:${oursPort}/health/ready`)).json();
    writeResults(path.join(root, 'test/bench/results/responses.json'), {
      benchmark: 'responses',
      date: new Date().toISOString(),
      machine: { ...machineInfo(), postgres: pg.version, postgresSettings: pg.settings },
      peer: { name: '@portkey-ai/gateway', version: '1.15.2', route: 'POST /v1/chat/completions' },
      settings: { durationMs: DURATION_MS, warmupMs: WARMUP_MS, warmUpRounds: 1, rounds: ROUNDS, figure: 'median round', eventsCommittedBeforeResponse: true },
      raw: results,
      rounds,
      metrics: rows,
      reference: { name: 'round trips alone (test/bench/support/round-trip-floor.ts)', metrics: reference },
      bound: { name: 'fewest round trips alone vs portkey (round-trip-floor.ts, FLOOR_TRIPS=2)', metrics: bound },
      readiness: turns.status,
    });
    dispatcher.destroy();
  } finally {
    await ours.stop();
    await portkey.stop();
    await floor.child.stop();
    await fewest.child.stop();
    await upstream.close();
    await pg.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
