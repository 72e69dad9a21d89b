// npm run bench:store — our event store side by side with Emmett's PostgreSQL event store,
// on one embedded PostgreSQL, in the same run. Each side runs each metric in its own Node
// process on its own fresh database; results go to test/bench/results/store.json.
import * as fs from 'fs';
import * as path from 'path';
import { Pool } from 'pg';
import { z } from 'zod';
import { createPool, eventStoreMigrations, EventStore, migrate, registerEvents, SubscriptionHost } from '@genaug/event-store';
import { startBenchPostgres } from './support/bench-postgres';
import { answerIsolated, isolatedTask, runIsolated } from './support/isolation';
import { runLoad, type LoadResult } from './support/load';
import { compare, machineInfo, printComparisons, writeResults, type Comparison } from './support/report';
import { round } from './support/stats';

type Side = 'ours' | 'emmett';
type Metric = 'append-1' | 'append-16' | 'append-batch' | 'catch-up';

interface Task {
  side: Side;
  metric: Metric;
  url: string;
}

const SETTINGS = {
  /** Measured time per append metric, after the warm-up. */
  durationMs: Number(process.env.BENCH_DURATION_MS ?? 5000),
  warmupMs: 1000,
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
      const batch = Array.from({ length: events }, (_, i) => ({ type: EVENT_TYPE, data: itemAdded(version + i) }));
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
      const batch = Array.from({ length: events }, (_, i) => ({ type: EVENT_TYPE, data: itemAdded(version + i) }));
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
function appendLoad(side: StoreSide, concurrency: number, events: number): Promise<LoadResult> {
  const streams = Array.from({ length: concurrency }, () => ({ id: 0, version: 0 }));
  const run = `${Date.now().toString(36)}`;
  return runLoad({
    concurrency,
    durationMs: SETTINGS.durationMs,
    warmupMs: SETTINGS.warmupMs,
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

/** The log the consumers catch up on, written one append at a time so positions follow commit order. */
async function seedLog(side: StoreSide): Promise<void> {
  const perAppend = 100;
  for (let i = 0; i < SETTINGS.catchUpEvents / perAppend; i++) await side.append(`cart-seed_${i}`, perAppend, 0);
}

interface TaskResult {
  perSecond: number;
  details: Record<string, unknown>;
}

async function runTask(task: Task): Promise<TaskResult> {
  const side = task.side === 'ours' ? await ourStore(task.url) : await emmettStore(task.url);
  try {
    if (task.metric === 'catch-up') {
      await seedLog(side);
      const { handled, seconds } = await side.catchUp();
      if (handled < SETTINGS.catchUpEvents) console.warn(`${task.side}: handled ${handled} of ${SETTINGS.catchUpEvents} events`);
      return { perSecond: handled / seconds, details: { handled, seconds: round(seconds, 3) } };
    }
    const concurrency = task.metric === 'append-16' ? 16 : 1;
    const events = task.metric === 'append-batch' ? SETTINGS.batchEvents : 1;
    const r = await appendLoad(side, concurrency, events);
    const perSecond = task.metric === 'append-batch' ? r.unitsPerSecond : r.operationsPerSecond;
    return {
      perSecond,
      details: { appends: r.operations, events: r.units, seconds: round(r.seconds, 3), latencyMs: roundAll(r.latencyMs) },
    };
  } finally {
    await side.close();
  }
}

// The package's exports map hides package.json, so it is read from beside its entry point.
const peerVersion = (): string =>
  JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('@event-driven-io/emmett-postgresql')), '..', 'package.json'), 'utf8')).version;

const roundAll = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v, 3) : v]));

const METRICS: { metric: Metric; title: string; unit: string; concurrency: number }[] = [
  { metric: 'append-1', title: 'single-event appends, concurrency 1', unit: 'appends/s', concurrency: 1 },
  { metric: 'append-16', title: 'single-event appends, concurrency 16', unit: 'appends/s', concurrency: 16 },
  { metric: 'append-batch', title: `${SETTINGS.batchEvents}-event batch appends, concurrency 1`, unit: 'events/s', concurrency: 1 },
  { metric: 'catch-up', title: `consumer catch-up over ${SETTINGS.catchUpEvents.toLocaleString('en-US')} events`, unit: 'events/s', concurrency: 1 },
];

async function main(): Promise<void> {
  const started = Date.now();
  // BENCH_METRICS=append-16,catch-up runs only those (and writes no results file).
  const only = process.env.BENCH_METRICS?.split(',');
  const server = await startBenchPostgres();
  const comparisons: Comparison[] = [];
  try {
    for (const [i, m] of METRICS.entries()) {
      if (only && !only.includes(m.metric)) continue;
      // Alternate which side goes first, so neither always runs on a warmer server.
      const order: Side[] = i % 2 === 0 ? ['ours', 'emmett'] : ['emmett', 'ours'];
      const results = {} as Record<Side, TaskResult>;
      for (const side of order) {
        const db = `bench_store_${side}`;
        const url = await server.createDatabase(db);
        process.stdout.write(`${m.title}: ${side}… `);
        results[side] = await runIsolated<TaskResult>(__filename, { side, metric: m.metric, url } satisfies Task);
        console.log(`${Math.round(results[side].perSecond).toLocaleString('en-US')} ${m.unit}`);
        await server.dropDatabase(db);
      }
      comparisons.push(
        compare(m.title, m.unit, results.ours.perSecond, results.emmett.perSecond, { ours: results.ours.details, theirs: results.emmett.details }),
      );
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
    machine: { ...machineInfo(), postgres: server.version, postgresSettings: server.settings },
    peer: { name: '@event-driven-io/emmett-postgresql', version: peerVersion() },
    settings: SETTINGS,
    metrics: comparisons,
    totalSeconds: round((Date.now() - started) / 1000, 1),
  });
  console.log(`results written to ${path.relative(process.cwd(), file)}`);
  const losing = comparisons.filter((c) => c.ratio < 1);
  if (losing.length) console.log(`below 1.0: ${losing.map((c) => c.metric).join(', ')}`);
}

const task = isolatedTask<Task>();
if (task) void answerIsolated(() => runTask(task));
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
