// npm run bench:store — our event store side by side with Emmett's PostgreSQL event store,
// on one embedded PostgreSQL, in the same run. Each side runs each metric in its own Node
// process on its own fresh database; results go to test/bench/results/store.json.
import * as fs from 'fs';
import * as path from 'path';
import { Pool } from 'pg';
import { z } from 'zod';
import { createPool, eventStoreMigrations, EventStore, migrate, registerEvents, SubscriptionHost } from '@genaug/event-store';
import { startBenchPostgres } from './support/bench-postgres';
import { serveIsolated, startIsolated, type IsolatedProcess } from './support/isolation';
import { runLoad, type LoadResult } from './support/load';
import { compare, machineInfo, printComparisons, writeResults, type Comparison } from './support/report';
import { median, round } from './support/stats';

type Side = 'ours' | 'emmett';

/** What the parent asks a side's process to do. */
type Task =
  | { kind: 'open'; side: Side; url: string }
  | { kind: 'append'; concurrency: number; events: number; warmupMs?: number }
  | { kind: 'catch-up' }
  | { kind: 'close' };

const SETTINGS = {
  /**
   * Each append metric is measured in rounds that alternate between the sides, and each side's
   * figure is its median round: load from elsewhere on the machine then hits both alike.
   */
  rounds: 10,
  /** Measured time of one round, after its warm-up: short rounds, so both sides see the same load. */
  durationMs: Number(process.env.BENCH_DURATION_MS ?? 600),
  /** Unmeasured time before a side's first round, and before each later one. */
  firstWarmupMs: 1000,
  warmupMs: 200,
  /** Both stores get the same pool size, so concurrency 16 is 16 connections on each side. */
  poolSize: 16,
  batchEvents: 10,
  /** A new stream after this many appends, so streams stay the size real ones are. */
  appendsPerStream: 10,
  catchUpEvents: 100_000,
  catchUpBatchSize: 500,
  /** A consumer still catching up after this long is stopped and measured on what it handled. */
  catchUpLimitMs: 90_000,
};

const EVENT_TYPE = 'BenchItemAdded';
const itemAdded = (i: number) => ({ sku: `sku-${i % 997}`, quantity: 1 + (i % 5), price: 9.99, note: 'added from the benchmark' });
// Both sides store the same envelope metadata a real event carries.
const metadata = (i: number) => ({ project_id: 'proj_bench', correlation_id: `req_${i}`, actor: 'key_bench' });

/** What each side implements: append to a stream at a known version, and catch a projection up. */
interface StoreSide {
  append(stream: string, events: number, version: number): Promise<void>;
  catchUp(): Promise<{ handled: number; seconds: number }>;
  close(): Promise<void>;
}

const READ_MODEL = `create table if not exists bench_items (global_position bigint primary key, stream_id text not null)`;

async function ourStore(url: string): Promise<StoreSide> {
  registerEvents({ [EVENT_TYPE]: z.object({ sku: z.string(), quantity: z.number().int(), price: z.number(), note: z.string() }) });
  const pool = createPool(url, { max: SETTINGS.poolSize });
  await migrate(pool, eventStoreMigrations);
  const store = new EventStore(pool);
  return {
    async append(stream, events, version) {
      const batch = Array.from({ length: events }, (_, i) => ({ type: EVENT_TYPE, data: itemAdded(version + i), metadata: metadata(i) }));
      await store.append(stream, batch, { expectedVersion: version === 0 ? 'no_stream' : version });
    },
    async catchUp() {
      const host = new SubscriptionHost(pool, null, { batchSize: SETTINGS.catchUpBatchSize });
      host.addProjection({
        name: 'bench-items',
        tables: ['bench_items'],
        setup: async (client) => void (await client.query(READ_MODEL)),
        // One insert per batch, one row per event.
        apply: async (events, client) =>
          void (await client.query('insert into bench_items (global_position, stream_id) select * from unnest($1::bigint[], $2::text[])', [
            events.map((e) => e.globalPosition),
            events.map((e) => e.streamId),
          ])),
      });
      await host.setup();
      const t0 = performance.now();
      await host.catchUpAll();
      const seconds = (performance.now() - t0) / 1000;
      const handled = Number((await pool.query('select count(*) as n from bench_items')).rows[0].n);
      return { handled, seconds };
    },
    close: () => pool.end(),
  };
}

async function emmettStore(url: string): Promise<StoreSide> {
  // Loaded here so only the Emmett process gets dumbo's process-wide pg type parsers.
  const { getPostgreSQLEventStore, postgreSQLRawBatchSQLProjection } = require('@event-driven-io/emmett-postgresql');
  const { STREAM_DOES_NOT_EXIST } = require('@event-driven-io/emmett');
  const { sql } = require('@event-driven-io/dumbo');
  const pool = new Pool({ connectionString: url, max: SETTINGS.poolSize });
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
  await store.schema.migrate();
  return {
    async append(stream, events, version) {
      const batch = Array.from({ length: events }, (_, i) => ({ type: EVENT_TYPE, data: itemAdded(version + i), metadata: metadata(i) }));
      await store.appendToStream(stream, batch, { expectedStreamVersion: version === 0 ? STREAM_DOES_NOT_EXIST : BigInt(version) });
    },
    async catchUp() {
      const consumer = store.consumer({
        stopWhen: { noMessagesLeft: true },
        // Same batch size as ours, and no pause between full batches (its default is 50 ms).
        pulling: { batchSize: SETTINGS.catchUpBatchSize, pullingFrequencyInMs: 0 },
      });
      consumer.projector({
        projection: postgreSQLRawBatchSQLProjection({
          name: 'bench-items',
          canHandle: [EVENT_TYPE],
          init: () => sql(READ_MODEL),
          // One insert per call, one row per event; Emmett's projector calls it once per event.
          evolve: (events: any[]) => [
            sql(
              `insert into bench_items (global_position, stream_id) values ${events.map(() => '(%s, %L)').join(', ')}`,
              ...events.flatMap((e) => [String(e.metadata.globalPosition), e.metadata.streamName]),
            ),
          ],
        }),
      });
      await consumer.init();
      const t0 = performance.now();
      const limit = setTimeout(() => void consumer.stop(), SETTINGS.catchUpLimitMs);
      await consumer.start();
      clearTimeout(limit);
      const seconds = (performance.now() - t0) / 1000;
      await consumer.close();
      const handled = Number((await pool.query('select count(*) as n from bench_items')).rows[0].n);
      return { handled, seconds };
    },
    async close() {
      await store.close();
      await pool.end().catch(() => undefined);
    },
  };
}

/** Closed-loop appends: each worker appends to its own streams, `events` per append. */
function appendLoad(side: StoreSide, concurrency: number, events: number, warmupMs: number): Promise<LoadResult> {
  const run = (appendRuns++).toString(36);
  const streams = Array.from({ length: concurrency }, () => ({ id: 0, version: 0 }));
  return runLoad({
    concurrency,
    durationMs: SETTINGS.durationMs,
    warmupMs,
    operation: async (w) => {
      const s = streams[w];
      if (s.version >= events * SETTINGS.appendsPerStream) {
        s.id++;
        s.version = 0;
      }
      await side.append(`cart-${run}_${w}_${s.id}`, events, s.version);
      s.version += events;
      return events;
    },
  });
}
let appendRuns = 0;

/** The log the consumers catch up on, written one append at a time so positions follow commit order. */
async function seedLog(side: StoreSide): Promise<void> {
  const perAppend = 100;
  for (let i = 0; i < SETTINGS.catchUpEvents / perAppend; i++) await side.append(`cart-seed_${i}`, perAppend, 0);
}

interface Measurement {
  perSecond: number;
  details: Record<string, unknown>;
}

let opened: StoreSide | null = null;

/** Runs in a side's own process. */
async function runTask(task: Task): Promise<Measurement | null> {
  if (task.kind === 'open') {
    opened = task.side === 'ours' ? await ourStore(task.url) : await emmettStore(task.url);
    return null;
  }
  if (!opened) throw new Error('no store opened');
  if (task.kind === 'close') {
    await opened.close();
    opened = null;
    return null;
  }
  if (task.kind === 'catch-up') {
    await seedLog(opened);
    const { handled, seconds } = await opened.catchUp();
    if (handled < SETTINGS.catchUpEvents) console.warn(`handled ${handled} of ${SETTINGS.catchUpEvents} events`);
    return { perSecond: handled / seconds, details: { handled, seconds: round(seconds, 3) } };
  }
  const r = await appendLoad(opened, task.concurrency, task.events, task.warmupMs ?? SETTINGS.warmupMs);
  return {
    perSecond: task.events > 1 ? r.unitsPerSecond : r.operationsPerSecond,
    details: {
      appends: r.operations,
      events: r.units,
      seconds: round(r.seconds, 3),
      latencyMs: roundAll(r.latencyMs),
      clientCpuMicrosPerAppend: round(r.cpuMicrosPerOperation, 1),
    },
  };
}

// The package's exports map hides package.json, so it is read from beside its entry point.
const peerVersion = (): string =>
  JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('@event-driven-io/emmett-postgresql')), '..', 'package.json'), 'utf8')).version;

const roundAll = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v, 3) : v]));

const METRICS: { metric: string; title: string; unit: string; task: Task }[] = [
  { metric: 'append-1', title: 'single-event appends, concurrency 1', unit: 'appends/s', task: { kind: 'append', concurrency: 1, events: 1 } },
  { metric: 'append-16', title: 'single-event appends, concurrency 16', unit: 'appends/s', task: { kind: 'append', concurrency: 16, events: 1 } },
  {
    metric: 'append-batch',
    title: `${SETTINGS.batchEvents}-event batch appends, concurrency 1`,
    unit: 'events/s',
    task: { kind: 'append', concurrency: 1, events: SETTINGS.batchEvents },
  },
  { metric: 'catch-up', title: `consumer catch-up over ${SETTINGS.catchUpEvents.toLocaleString('en-US')} events`, unit: 'events/s', task: { kind: 'catch-up' } },
];

const SIDES: Side[] = ['ours', 'emmett'];

/** How each side does the work, for whoever reads the results file. */
const SIDE_NOTES = {
  ours: {
    append: 'EventStore.append: one statement calling genaug_append (schema check, hash chain, expected version), autocommit',
    catchUp: 'SubscriptionHost projection from the start of the log; per batch one insert of all its events and the checkpoint, one transaction',
  },
  theirs: {
    append: "getPostgreSQLEventStore().appendToStream: begin, emt_append_to_stream, commit (Emmett's own transaction)",
    catchUp:
      "eventStore.consumer() with a projector of postgreSQLRawBatchSQLProjection; Emmett's projector hands events over one at a time and stores its checkpoint after each, one transaction per pulled batch",
  },
};

const describe = (m: Measurement): string => {
  const d = m.details as { latencyMs?: { p50: number }; clientCpuMicrosPerAppend?: number };
  return d.latencyMs ? ` (p50 ${d.latencyMs.p50} ms, client CPU ${d.clientCpuMicrosPerAppend} µs/append)` : '';
};

async function main(): Promise<void> {
  const started = Date.now();
  // BENCH_METRICS=append-16,catch-up runs only those (and writes no results file).
  const only = process.env.BENCH_METRICS?.split(',');
  const loadAtStart = machineInfo().loadAverage;
  const server = await startBenchPostgres();
  const comparisons: Comparison[] = [];
  try {
    for (const m of METRICS) {
      if (only && !only.includes(m.metric)) continue;
      // Each side in its own process on its own fresh database.
      const procs = {} as Record<Side, IsolatedProcess>;
      for (const side of SIDES) {
        procs[side] = startIsolated(__filename);
        await procs[side].run({ kind: 'open', side, url: await server.createDatabase(`bench_store_${side}`) });
      }
      const rounds = m.task.kind === 'catch-up' ? 1 : SETTINGS.rounds;
      const results: Record<Side, Measurement[]> = { ours: [], emmett: [] };
      for (let r = 0; r < rounds; r++) {
        // Alternate which side goes first.
        for (const side of r % 2 === 0 ? SIDES : [...SIDES].reverse()) {
          const task = m.task.kind === 'append' && r === 0 ? { ...m.task, warmupMs: SETTINGS.firstWarmupMs } : m.task;
          const res = await procs[side].run<Measurement>(task);
          results[side].push(res);
          console.log(`${m.title}, ${side}${rounds > 1 ? ` round ${r + 1}` : ''}: ${Math.round(res.perSecond).toLocaleString('en-US')} ${m.unit}${describe(res)}`);
        }
      }
      for (const side of SIDES) {
        await procs[side].run({ kind: 'close' });
        await procs[side].stop();
        await server.dropDatabase(`bench_store_${side}`);
      }
      const figure = (side: Side) => median(results[side].map((x) => x.perSecond));
      const detail = (side: Side) => (rounds > 1 ? { rounds: results[side].map((x) => ({ perSecond: round(x.perSecond), ...x.details })) } : results[side][0].details);
      comparisons.push(compare(m.title, m.unit, figure('ours'), figure('emmett'), { ours: detail('ours'), theirs: detail('emmett') }));
    }
  } finally {
    await server.stop();
  }
  printComparisons('Event store: ours vs @event-driven-io/emmett-postgresql', 'emmett', comparisons);
  if (only) return;
  const file = path.resolve(__dirname, '../../../test/bench/results/store.json');
  writeResults(file, {
    benchmark: 'store',
    date: new Date().toISOString(),
    machine: { ...machineInfo(), loadAverageAtStart: loadAtStart, postgres: server.version, postgresSettings: server.settings },
    peer: { name: '@event-driven-io/emmett-postgresql', version: peerVersion() },
    settings: SETTINGS,
    sides: SIDE_NOTES,
    metrics: comparisons,
    totalSeconds: round((Date.now() - started) / 1000, 1),
  });
  console.log(`results written to ${path.relative(process.cwd(), file)}`);
  const losing = comparisons.filter((c) => c.ratio < 1);
  if (losing.length) console.log(`below 1.0: ${losing.map((c) => c.metric).join(', ')}`);
}

if (!serveIsolated(runTask))
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
