// npm run bench:memory — memory search latency for one user with 10k facts in a store of 1M
// facts across 1,000 users, and store throughput, both through the real HTTP API of a server
// process on an embedded PostgreSQL with durable commits. Results: test/bench/results/memory.json.
//
// The 1M-fact background is written straight into the read model through the memory
// projection's own apply() in large batches (facts sealed and unsealed as in production); the
// measured stores go through POST /v1/memory, its events and the projection.
import * as http from 'http';
import * as path from 'path';
import type { PoolClient } from 'pg';
import { createPool, EventNotifier, EventStore, migrate, ReadYourWrites, Sealer, SubscriptionHost, type StoredEvent } from '@genaug/event-store';
import { newId, systemClock } from '@genaug/kernel';
import {
  createMemoryProjection,
  memorySubject,
  MEMORY_TABLE,
  MEMORY_WORDS_TABLE,
  MemorySearch,
  StoreMemory,
  StoreMemoryHandler,
  UserMemories,
  type MemoryStoredData,
} from '@genaug/memory';
import { allMigrations } from '../../apps/api/src/runtime/migrations';
import { startBenchPostgres } from './support/bench-postgres';
import { runLoad, type LoadResult } from './support/load';
import { freePort, startChild } from './support/processes';
import { machineInfo, writeResults } from './support/report';
import { round, summarize } from './support/stats';
import { SERVER_NODE_FLAGS } from '../../apps/api/src/runtime/node-flags';

const root = path.resolve(__dirname, '..', '..', '..');

const SETTINGS = {
  /** Facts in the store before measuring (BENCH_FACTS scales the run down for a quick look). */
  facts: Number(process.env.BENCH_FACTS ?? 1_000_000),
  users: Number(process.env.BENCH_USERS ?? 1000),
  /** The searched user's facts; the rest are spread over the other users. */
  searchedUserFacts: Number(process.env.BENCH_USER_FACTS ?? 10_000),
  loadBatch: 10_000,
  durationMs: Number(process.env.BENCH_DURATION_MS ?? 10_000),
  warmupMs: 2000,
  topK: 10,
  storeConcurrency: 32,
};
/** BENCH_ONLY=search or BENCH_ONLY=store measures one side (and writes no results file). */
const ONLY = process.env.BENCH_ONLY as 'search' | 'store' | undefined;
const TARGETS = { searchP99Ms: 20, storeFactsPerSecond: 1000 };
const MASTER_KEY = '11'.repeat(32);
const SEARCHED_USER = 'user-0000';

// Deterministic pseudo-random numbers, so every run loads the same facts and asks the same queries.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Facts read like the ones apps store: a template with common words, filled from word lists.
// Names and places are made-up words, so the vocabulary is large as in real use.
const ADJECTIVES = 'quiet spicy early late vegan cheap direct warm cold short long red green blue small large wooden electric local organic'.split(' ');
const NOUNS = (
  'window seat aisle seat coffee tea jazz music hiking trails yoga classes sushi pasta trains flights hotels dogs cats chess novels podcasts ' +
  'running shoes bicycles gardening tomatoes painting pottery swimming museums wine cheese chocolate beaches mountains emails phone calls invoices ' +
  'meetings reports spreadsheets photography cooking baking football tennis'
).split(' ');
const VERBS = 'travel cook read swim cycle paint study work call visit plan learn'.split(' ');
const JOBS = 'nurse teacher engineer designer accountant chef pilot lawyer farmer librarian'.split(' ');
const DAYS = 'monday tuesday wednesday thursday friday saturday sunday'.split(' ');
const SYLLABLES = 'ka lo mi ren sa tu vor el din pa qui zan bo fe lu ria tor ve nak si'.split(' ');
const madeUp = (rnd: () => number, parts: number) =>
  Array.from({ length: parts }, () => SYLLABLES[Math.floor(rnd() * SYLLABLES.length)]).join('');
const wordRnd = random(7);
const PLACES = Array.from({ length: 400 }, () => madeUp(wordRnd, 3));
const NAMES = Array.from({ length: 1500 }, () => madeUp(wordRnd, 2) + madeUp(wordRnd, 1));

const pick = <T>(rnd: () => number, list: T[], skew = 1) => list[Math.floor(Math.pow(rnd(), skew) * list.length)];

function fact(rnd: () => number): { text: string; type: string } {
  const a = () => pick(rnd, ADJECTIVES);
  const n = () => pick(rnd, NOUNS, 1.5);
  const v = () => pick(rnd, VERBS);
  const c = () => pick(rnd, PLACES, 1.3);
  const p = () => pick(rnd, NAMES, 1.3);
  switch (Math.floor(rnd() * 10)) {
    case 0: return { text: `Prefers ${a()} ${n()} when they ${v()}`, type: 'preference' };
    case 1: return { text: `Is allergic to ${n()} and ${n()}`, type: 'constraint' };
    case 2: return { text: `Works as a ${pick(rnd, JOBS)} in ${c()}`, type: 'profile' };
    case 3: return { text: `Wants to ${v()} in ${c()} with ${p()} next year`, type: 'goal' };
    case 4: return { text: `Has a ${a()} dog named ${p()}`, type: 'profile' };
    case 5: return { text: `Dislikes ${a()} ${n()}`, type: 'preference' };
    case 6: return { text: `Usually goes to ${c()} on ${pick(rnd, DAYS)} mornings`, type: 'event' };
    case 7: return { text: `Is learning about ${n()} with ${p()}`, type: 'goal' };
    case 8: return { text: `Lives near ${c()} with their partner ${p()}`, type: 'profile' };
    default: return { text: `Asked for ${a()} ${n()} recommendations in ${c()}`, type: 'other' };
  }
}

/** Questions an app might search with: two or three content words, sometimes a common one. */
function query(rnd: () => number): string {
  switch (Math.floor(rnd() * 6)) {
    case 0: return `${pick(rnd, ADJECTIVES)} ${pick(rnd, NOUNS, 1.5)}`;
    case 1: return `what ${pick(rnd, NOUNS, 1.5)} does the user prefer`;
    case 2: return `is the user allergic to ${pick(rnd, NOUNS, 1.5)}`;
    case 3: return `trip to ${pick(rnd, PLACES, 1.3)}`;
    case 4: return `${pick(rnd, NAMES, 1.3)}`;
    default: return `${pick(rnd, VERBS)} in ${pick(rnd, PLACES, 1.3)} on ${pick(rnd, DAYS)}`;
  }
}

/** Which user the i-th background fact belongs to: the searched user's facts are spread through the load. */
function ownerOf(i: number): string {
  const everyNth = Math.max(1, Math.floor(SETTINGS.facts / SETTINGS.searchedUserFacts));
  if (i % everyNth === 0 && i / everyNth < SETTINGS.searchedUserFacts) return SEARCHED_USER;
  return `user-${String(1 + (i % (SETTINGS.users - 1))).padStart(4, '0')}`;
}

async function loadBackground(databaseUrl: string, projectId: string): Promise<{ seconds: number; indexSeconds: number }> {
  const pool = createPool(databaseUrl, { max: 4 });
  const sealer = new Sealer(pool, Buffer.from(MASTER_KEY, 'hex'));
  const projection = createMemoryProjection(sealer);
  const rnd = random(42);
  const now = Date.now();
  const year = 365 * 86_400_000;
  const t0 = performance.now();
  const client: PoolClient = await pool.connect();
  try {
    // Indexes are built once after the load, as a rebuild would; the projection's setup makes them.
    await client.query(`drop index if exists genaug_memories_trigram, genaug_memories_user, genaug_memory_words_lookup`);
    for (let start = 0; start < SETTINGS.facts; start += SETTINGS.loadBatch) {
      const events: StoredEvent[] = [];
      for (let i = start; i < Math.min(SETTINGS.facts, start + SETTINGS.loadBatch); i++) {
        const user = ownerOf(i);
        const f = fact(rnd);
        const data: MemoryStoredData = {
          memory_id: newId('mem'),
          user_id: user,
          fact_sealed: await sealer.seal(projectId, memorySubject(user), f.text),
          fact_type: f.type,
          importance_score: round(rnd(), 2),
          source: 'bench',
          metadata_sealed: null,
          stored_at: new Date(now - rnd() * year).toISOString(),
        };
        events.push({ type: 'MemoryStored', data, projectId, metadata: { project_id: projectId, user } } as StoredEvent);
      }
      await client.query('begin');
      await projection.apply(events, client);
      await client.query('commit');
      const done = Math.min(SETTINGS.facts, start + SETTINGS.loadBatch);
      if (done % 100_000 === 0 || done === SETTINGS.facts) process.stdout.write(`\r  loaded ${done.toLocaleString('en-US')} facts`);
    }
    const loaded = performance.now();
    process.stdout.write('\n  building indexes… ');
    await client.query(`set maintenance_work_mem = '1GB'`);
    await projection.setup(client);
    // As autovacuum would soon after such a load: statistics, and a visibility map for the planner.
    await client.query(`vacuum analyze ${MEMORY_TABLE}, ${MEMORY_WORDS_TABLE}`);
    const indexSeconds = (performance.now() - loaded) / 1000;
    console.log(`${indexSeconds.toFixed(1)} s`);
    return { seconds: (performance.now() - t0) / 1000, indexSeconds };
  } finally {
    client.release();
    await pool.end();
  }
}

function request(agent: http.Agent, method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: any }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent, headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const roundAll = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v, 3) : v]));

const summary = (r: LoadResult) => ({ operations: r.operations, perSecond: round(r.operationsPerSecond, 1), latencyMs: roundAll(r.latencyMs) });

/** One client asking one question after another, as an app backend would; then the same queries on the SQL alone. */
async function measureSearch(agent: http.Agent, base: string, auth: Record<string, string>, databaseUrl: string, projectId: string) {
  const qrnd = random(99);
  const queries = Array.from({ length: 500 }, () => query(qrnd));
  let results = 0;
  let asked = 0;
  const measured = await runLoad({
    concurrency: 1,
    durationMs: SETTINGS.durationMs,
    warmupMs: SETTINGS.warmupMs,
    operation: async () => {
      const q = queries[asked++ % queries.length];
      const res = await request(agent, 'POST', `${base}/v1/memory/search`, auth, { user_id: SEARCHED_USER, query: q, top_k: SETTINGS.topK });
      if (res.status !== 200) throw new Error(`search: ${res.status} ${JSON.stringify(res.json)}`);
      results += res.json.data.length;
      return 1;
    },
  });
  console.log(`search over HTTP, concurrency 1: p50 ${measured.latencyMs.p50.toFixed(2)} ms, p99 ${measured.latencyMs.p99.toFixed(2)} ms (${(results / asked).toFixed(1)} results a query)`);

  // What the database part costs: the same queries through MemorySearch, measured on a second pass.
  const pool = createPool(databaseUrl, { max: 1 });
  const memorySearch = new MemorySearch(pool);
  const latencies: number[] = [];
  try {
    for (const pass of [0, 1]) {
      for (const q of queries) {
        const t0 = performance.now();
        await memorySearch.search(projectId, { userId: SEARCHED_USER, query: q, topK: SETTINGS.topK, now: new Date() });
        if (pass === 1) latencies.push(performance.now() - t0);
      }
    }
  } finally {
    await pool.end();
  }
  const alone = summarize(latencies);
  console.log(`search SQL alone (${queries.length} queries, warm): p50 ${alone.p50.toFixed(2)} ms, p99 ${alone.p99.toFixed(2)} ms`);
  return { http: measured, alone, resultsPerQuery: round(results / asked, 2), queries: queries.slice(0, 12) };
}

/** Clients storing facts for random users, each store with its own idempotency key. */
async function measureStore(agent: http.Agent, base: string, auth: Record<string, string>): Promise<LoadResult> {
  const srnd = random(1234);
  let stored = 0;
  const measured = await runLoad({
    concurrency: SETTINGS.storeConcurrency,
    durationMs: SETTINGS.durationMs,
    warmupMs: SETTINGS.warmupMs,
    operation: async () => {
      const f = fact(srnd);
      const user = `user-${String(Math.floor(srnd() * SETTINGS.users)).padStart(4, '0')}`;
      const res = await request(agent, 'POST', `${base}/v1/memory`, auth, {
        user_id: user,
        fact: f.text,
        fact_type: f.type,
        importance_score: round(srnd(), 2),
        source: 'bench',
        idempotency_key: `bench-${stored++}-${srnd()}`,
      });
      if (res.status !== 201) throw new Error(`store: ${res.status} ${JSON.stringify(res.json)}`);
      return 1;
    },
  });
  console.log(`store over HTTP, concurrency ${SETTINGS.storeConcurrency}: ${measured.operationsPerSecond.toFixed(0)} facts/s, p50 ${measured.latencyMs.p50.toFixed(2)} ms, p99 ${measured.latencyMs.p99.toFixed(2)} ms`);
  return measured;
}

/**
 * The store command alone: StoreMemoryHandler with the memory projection as this process's only
 * consumer (a memory-only worker), the server stopped. What the memory slice costs, apart from
 * the other slices' consumers that share the full server's machine.
 */
async function measureStoreCommand(databaseUrl: string, projectId: string): Promise<LoadResult> {
  const pool = createPool(databaseUrl, { max: 30 });
  const notifier = new EventNotifier({ connectionString: databaseUrl });
  await notifier.start();
  const sealer = new Sealer(pool, Buffer.from(MASTER_KEY, 'hex'), notifier);
  const host = new SubscriptionHost(pool, notifier, { pollMs: 250 });
  host.addProjection(createMemoryProjection(sealer));
  host.start();
  const handler = new StoreMemoryHandler(new EventStore(pool), sealer, new ReadYourWrites(pool, host), new UserMemories(pool), systemClock);
  const srnd = random(4321);
  let stored = 0;
  try {
    const measured = await runLoad({
      concurrency: SETTINGS.storeConcurrency,
      durationMs: SETTINGS.durationMs,
      warmupMs: SETTINGS.warmupMs,
      operation: async () => {
        const f = fact(srnd);
        const user = `user-${String(Math.floor(srnd() * SETTINGS.users)).padStart(4, '0')}`;
        const input = { user_id: user, fact: f.text, fact_type: f.type, importance_score: round(srnd(), 2), source: 'bench', idempotency_key: `cmd-${stored++}-${srnd()}` };
        await handler.execute(new StoreMemory(projectId, input, { actor: 'bench' }));
        return 1;
      },
    });
    console.log(`store command alone, concurrency ${SETTINGS.storeConcurrency}: ${measured.operationsPerSecond.toFixed(0)} facts/s, p50 ${measured.latencyMs.p50.toFixed(2)} ms, p99 ${measured.latencyMs.p99.toFixed(2)} ms`);
    return measured;
  } finally {
    await host.stop();
    await notifier.stop();
    await pool.end();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  // A port of its own, so other benchmarks running on this machine never share (or stop) its server.
  const pg = await startBenchPostgres({ port: Number(process.env.GENAUG_BENCH_PG_PORT ?? 54347) });
  const databaseUrl = await pg.createDatabase('bench_memory');
  // The schema first, so the bulk load can start before the server process is up.
  const setupPool = createPool(databaseUrl, { max: 2 });
  await migrate(setupPool, allMigrations);
  await setupPool.end();
  const port = await freePort();
  const adminKey = 'gaadm_bench_0123456789abcdef0123456789abcdef';
  const server = await startChild(
    process.execPath,
    [...SERVER_NODE_FLAGS, path.join(root, 'dist/apps/api/src/main.js')],
    {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      GENAUG_ADMIN_KEY: adminKey,
      GENAUG_MASTER_KEY: MASTER_KEY,
      GENAUG_LOG_LEVEL: 'warn',
      GENAUG_ROLES: 'api,worker',
    },
    `http://127.0.0.1:${port}/health/live`,
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const base = `http://127.0.0.1:${port}`;
  try {
    const admin = { 'x-admin-key': adminKey };
    // Limits generous enough that the benchmark measures memory, not the project's rate limits.
    const governance = { requests_per_minute: 1_000_000, user_burst: { requests: 1_000_000, window_seconds: 1 } };
    const created = await request(agent, 'POST', `${base}/api/v1/admin/projects`, admin, { name: 'Memory bench', settings: { governance } });
    if (created.status !== 201) throw new Error(`create project: ${created.status} ${JSON.stringify(created.json)}`);
    const project = created.json;
    const key = (await request(agent, 'POST', `${base}/api/v1/admin/projects/${project.id}/keys`, admin, { scopes: ['responses'] })).json;
    const auth = { authorization: `Bearer ${key.key}` };

    console.log(`Loading ${SETTINGS.facts.toLocaleString('en-US')} facts across ${SETTINGS.users.toLocaleString('en-US')} users (${SETTINGS.searchedUserFacts.toLocaleString('en-US')} for ${SEARCHED_USER})…`);
    const load = await loadBackground(databaseUrl, project.id);
    console.log(`  ${load.seconds.toFixed(1)} s in all`);

    const search = ONLY === 'store' ? null : await measureSearch(agent, base, auth, databaseUrl, project.id);
    const store = ONLY === 'search' ? null : await measureStore(agent, base, auth);
    let storeCommand: LoadResult | null = null;
    if (ONLY !== 'search') {
      await server.stop();
      storeCommand = await measureStoreCommand(databaseUrl, project.id);
    }

    const checks = [
      ...(search
        ? [
            { metric: 'search p99, HTTP, concurrency 1', unit: 'ms', target: `< ${TARGETS.searchP99Ms}`, measured: round(search.http.latencyMs.p99, 2), pass: search.http.latencyMs.p99 < TARGETS.searchP99Ms },
            { metric: 'search p50, HTTP, concurrency 1', unit: 'ms', target: '-', measured: round(search.http.latencyMs.p50, 2), pass: true },
          ]
        : []),
      ...(store
        ? [
            { metric: `store throughput, HTTP, concurrency ${SETTINGS.storeConcurrency}`, unit: 'facts/s', target: `>= ${TARGETS.storeFactsPerSecond}`, measured: round(store.operationsPerSecond, 0), pass: store.operationsPerSecond >= TARGETS.storeFactsPerSecond },
            { metric: `store throughput, command alone, concurrency ${SETTINGS.storeConcurrency}`, unit: 'facts/s', target: `>= ${TARGETS.storeFactsPerSecond}`, measured: round(storeCommand!.operationsPerSecond, 0), pass: storeCommand!.operationsPerSecond >= TARGETS.storeFactsPerSecond },
          ]
        : []),
    ];
    console.log(`\nMemory: one user with ${SETTINGS.searchedUserFacts.toLocaleString('en-US')} facts in a store of ${SETTINGS.facts.toLocaleString('en-US')} facts across ${SETTINGS.users.toLocaleString('en-US')} users`);
    for (const c of checks) console.log(`  ${c.pass ? 'PASS' : 'MISS'}  ${c.metric}: ${c.measured} ${c.unit} (target ${c.target})`);
    if (ONLY || !search || !store) return;

    writeResults(path.join(root, 'test/bench/results/memory.json'), {
      benchmark: 'memory',
      date: new Date().toISOString(),
      machine: { ...machineInfo(), postgres: pg.version, postgresSettings: pg.settings },
      settings: SETTINGS,
      load: { seconds: round(load.seconds, 1), indexSeconds: round(load.indexSeconds, 1) },
      search: { http: summary(search.http), resultsPerQuery: search.resultsPerQuery, queryAlone: roundAll(search.alone), queries: search.queries },
      store: { http: summary(store), commandAlone: summary(storeCommand!) },
      targets: checks,
      totalSeconds: round((Date.now() - started) / 1000, 1),
    });
    console.log(`results written to test/bench/results/memory.json`);
  } finally {
    agent.destroy();
    await server.stop();
    await pg.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
