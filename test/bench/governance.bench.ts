import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { startBenchPostgres } from './support/bench-postgres';
import { runLoad, type LoadResult } from './support/load';
import { freePort, startChild, type ChildServer } from './support/processes';
import { compare, machineInfo, printComparisons, writeResults } from './support/report';
import { startFakeOpenAI } from '../support/upstreams';
import { SERVER_NODE_FLAGS } from '../../apps/api/src/runtime/node-flags';

// POST /v1/responses with governance on (key rate limit, user burst, daily turn limit, and
// budget caps for project, user and feature, reserved and settled on every turn) against the
// same server with GENAUG_GOVERNANCE=off, in one run, in front of the same zero-latency
// upstream. Limits are set high enough that none is reached: what is measured is their cost.

const root = path.resolve(__dirname, '..', '..', '..');
const DURATION_MS = Number(process.env.GENAUG_BENCH_DURATION_MS ?? 8000);
const WARMUP_MS = 2000;
const ROUNDS = Number(process.env.GENAUG_BENCH_ROUNDS ?? 2);
const ADMIN_KEY = 'gaadm_bench_0123456789abcdef0123456789abcdef';

const governance = {
  requests_per_minute: 1_000_000,
  user_burst: { requests: 1_000_000, window_seconds: 1 },
  agent_turns_per_day: 100_000_000,
  budgets: {
    project: { daily_usd: 1_000_000, monthly_usd: 10_000_000 },
    user: { daily_usd: 1_000_000, monthly_usd: 10_000_000 },
    feature: { daily_usd: 1_000_000, monthly_usd: 10_000_000 },
  },
};

/**
 * CPU seconds used so far by a process (user + system), from /proc; with `reaped`, also those of
 * its children that have exited (PostgreSQL backends of connections the pool closed meanwhile).
 */
function cpuSeconds(pid: number, reaped = false): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return (reaped ? own + Number(fields[13]) + Number(fields[14]) : own) / 100;
  } catch {
    return 0;
  }
}

/** The bench PostgreSQL's postmaster and every process it started (backends, WAL writer, …). */
function postgresPids(port: number): number[] {
  const procs = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const postmaster = procs.find((pid) => {
    try {
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return args[0].endsWith('/postgres') && args.includes('-p') && args[args.indexOf('-p') + 1] === String(port);
    } catch {
      return false;
    }
  });
  if (postmaster === undefined) return [];
  const parentOf = (pid: number) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return -1;
    }
  };
  return [postmaster, ...procs.filter((pid) => parentOf(pid) === postmaster)];
}

interface Server {
  name: string;
  child: ChildServer;
  url: string;
  headers: Record<string, string>;
}

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

async function startOurs(name: string, databaseUrl: string, upstreamUrl: string, enabled: boolean): Promise<Server> {
  const port = await freePort();
  const child = await startChild(
    process.execPath,
    [...SERVER_NODE_FLAGS, path.join(root, 'dist/apps/api/src/main.js')],
    {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      GENAUG_ADMIN_KEY: ADMIN_KEY,
      GENAUG_MASTER_KEY: '11'.repeat(32),
      GENAUG_LOG_LEVEL: 'warn',
      GENAUG_TIER_BALANCED: 'openai/gpt-bench',
      GENAUG_OPENAI_BASE_URL: upstreamUrl,
      OPENAI_API_KEY: 'sk-bench',
      GENAUG_GOVERNANCE: enabled ? 'on' : 'off',
      GENAUG_ROLES: 'api,worker',
    },
    `http://127.0.0.1:${port}/health/live`,
  );
  const base = `http://127.0.0.1:${port}`;
  const admin = { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY };
  const settings = { governance, models: { prices: { 'gpt-bench': { inputPerMillion: 0.5, outputPerMillion: 2 } } } };
  const project: any = await (await fetch(`${base}/api/v1/admin/projects`, { method: 'POST', headers: admin, body: JSON.stringify({ name: `Bench ${name}`, settings }) })).json();
  const key: any = await (
    await fetch(`${base}/api/v1/admin/projects/${project.id}/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ scopes: ['responses'] }) })
  ).json();
  return { name, child, url: `${base}/v1/responses`, headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` } };
}

interface Measured extends LoadResult {
  /** CPU of the API process and of PostgreSQL per request, warm-up included: steadier than req/s on a busy machine. */
  cpuMsPerRequest: number;
  apiCpuMsPerRequest: number;
  postgresCpuMsPerRequest: number;
}

async function measure(server: Server, concurrency: number, agent: http.Agent, pgPort: number): Promise<Measured> {
  let all = 0;
  const api = () => cpuSeconds(server.child.process.pid!);
  // The postmaster (first) counts the backends that ended: their CPU stays in the sum.
  const postgres = () => postgresPids(pgPort).reduce((sum, pid, i) => sum + cpuSeconds(pid, i === 0), 0);
  const [api0, pg0] = [api(), postgres()];
  const result = await runLoad({
    concurrency,
    durationMs: DURATION_MS,
    warmupMs: WARMUP_MS,
    operation: async (worker) => {
      const body = JSON.stringify({
        model: 'balanced',
        user: `bench-user-${worker % 8}`,
        input: 'Summarize this support request and suggest the next action.',
        max_output_tokens: 256,
        metadata: { feature: `feature-${worker % 3}` },
      });
      const res = await post(server.url, server.headers, body, agent);
      if (res.status !== 200) throw new Error(`${server.name}: ${res.status} ${res.text.slice(0, 300)}`);
      all++;
      return 1;
    },
  });
  const apiMs = ((api() - api0) * 1000) / all;
  const pgMs = ((postgres() - pg0) * 1000) / all;
  return { ...result, cpuMsPerRequest: apiMs + pgMs, apiCpuMsPerRequest: apiMs, postgresCpuMsPerRequest: pgMs };
}

/** The better of the rounds: rounds alternate on and off, so drift on the machine hits both alike. */
const best = (results: Measured[]) => results.reduce((a, b) => (b.operationsPerSecond > a.operationsPerSecond ? b : a));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const upstream = await startFakeOpenAI({ zeroLatency: true });
  const pg = await startBenchPostgres();
  const servers: Server[] = [];
  try {
    servers.push(await startOurs('off', await pg.createDatabase('bench_governance_off'), upstream.url, false));
    servers.push(await startOurs('on', await pg.createDatabase('bench_governance_on'), upstream.url, true));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const runs: Record<string, Record<string, Measured[]>> = { on: { c1: [], c32: [] }, off: { c1: [], c32: [] } };
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of [1, 32]) {
        for (const server of round % 2 ? [...servers].reverse() : servers) {
          const r = await measure(server, c, agent, pg.port);
          runs[server.name][`c${c}`].push(r);
          console.log(`governance ${server.name} c=${c} round ${round + 1}: ${r.operationsPerSecond.toFixed(0)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, ${r.cpuMsPerRequest.toFixed(2)} CPU ms/request (api ${r.apiCpuMsPerRequest.toFixed(2)}, postgres ${r.postgresCpuMsPerRequest.toFixed(2)})`);
        }
      }
    }
    // Side by side: both servers under the same load at the same time, so whatever else the
    // machine is doing slows both alike; the ratio is then how much work each request costs.
    const sideBySide: { on: number; off: number; ratio: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [off, on] = await Promise.all(servers.map((server) => measure(server, 32, agent, pg.port)));
      sideBySide.push({ on: on.operationsPerSecond, off: off.operationsPerSecond, ratio: on.operationsPerSecond / off.operationsPerSecond });
      console.log(`side by side c=32 each, round ${round + 1}: on ${on.operationsPerSecond.toFixed(0)} req/s, off ${off.operationsPerSecond.toFixed(0)} req/s`);
    }
    const shared = sideBySide.find((x) => x.ratio === median(sideBySide.map((y) => y.ratio)))!;

    const on = { c1: best(runs.on.c1), c32: best(runs.on.c32) };
    const off = { c1: best(runs.off.c1), c32: best(runs.off.c32) };
    const cpu = (rs: Measured[]) => Math.min(...rs.map((x) => x.cpuMsPerRequest));
    const rows = [
      compare('requests/s, side by side, concurrency 32 each (on/off, median)', 'req/s', shared.on, shared.off),
      compare('requests/s, concurrency 32 (on/off)', 'req/s', on.c32.operationsPerSecond, off.c32.operationsPerSecond),
      // CPU per request: lower is better, so off/on; as the run is CPU-bound, it is the throughput ratio a quiet machine would show.
      compare('CPU per request, concurrency 32 (off/on)', 'ms', cpu(runs.off.c32), cpu(runs.on.c32), { on: cpu(runs.on.c32), off: cpu(runs.off.c32) }),
      compare('requests/s, concurrency 1 (on/off)', 'req/s', on.c1.operationsPerSecond, off.c1.operationsPerSecond),
      // Latency: lower is better, so the ratio is off/on and above 1.0 would mean governance made it faster.
      compare('p50 latency, concurrency 1 (off/on)', 'ms', off.c1.latencyMs.p50, on.c1.latencyMs.p50, { on: on.c1.latencyMs.p50, off: off.c1.latencyMs.p50 }),
      compare('p99 latency, concurrency 32 (off/on)', 'ms', off.c32.latencyMs.p99, on.c32.latencyMs.p99, { on: on.c32.latencyMs.p99, off: off.c32.latencyMs.p99 }),
    ];
    printComparisons('POST /v1/responses, governance on vs off (target: on >= 0.9 x off)', 'governance off', rows);
    writeResults(path.join(root, 'test/bench/results/governance.json'), {
      benchmark: 'governance',
      date: new Date().toISOString(),
      machine: { ...machineInfo(), postgres: pg.version, postgresSettings: pg.settings },
      settings: { durationMs: DURATION_MS, warmupMs: WARMUP_MS, rounds: ROUNDS, governance },
      raw: { ...runs, sideBySide },
      metrics: rows,
      target: { metric: rows[0].metric, atLeast: 0.9, met: rows[0].ratio >= 0.9 },
    });
    agent.destroy();
  } finally {
    for (const s of servers) await s.child.stop();
    await upstream.close();
    await pg.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
