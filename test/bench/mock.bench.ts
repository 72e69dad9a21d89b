import * as http from 'http';
import * as path from 'path';
import { runLoad, type LoadResult } from './support/load';
import { freePort, startChild } from './support/processes';
import { compare, machineInfo, printComparisons, writeResults } from './support/report';

// `npm run bench:mock`: non-streaming POST /v1/responses against `genaug mock` at concurrency
// 32 (target: 5,000 requests/s or more). The peer is a bare node:http server that reads the
// same request and answers the same bytes without doing anything: the ceiling of the
// transport on this machine, so the ratio shows what the mock's own work costs.

const root = path.resolve(__dirname, '..', '..', '..');
const DURATION_MS = Number(process.env.GENAUG_BENCH_DURATION_MS ?? 8000);
const WARMUP_MS = 2000;
const CONCURRENCY = 32;
const TARGET_PER_SECOND = 5000;

const BODY = JSON.stringify({
  model: 'balanced',
  user: 'bench-user',
  input: 'Summarize this support request and suggest the next action.',
  metadata: { feature: 'support-triage' },
});
const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer local-test' };

/** A server that answers every request with one fixed body, in its own process like the mock. */
const FLOOR_SERVER = `
  const http = require('http');
  const body = Buffer.from(process.env.BODY);
  http.createServer({ keepAliveTimeout: 65000 }, (req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, 'x-request-id': 'req_floor' });
      res.end(body);
    });
  }).listen(Number(process.env.PORT), '127.0.0.1');
`;

function post(url: string, agent: http.Agent): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...HEADERS, 'content-length': Buffer.byteLength(BODY) }, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(BODY);
  });
}

async function measure(name: string, url: string, agent: http.Agent): Promise<LoadResult> {
  const result = await runLoad({
    concurrency: CONCURRENCY,
    durationMs: DURATION_MS,
    warmupMs: WARMUP_MS,
    operation: async () => {
      const res = await post(url, agent);
      if (res.status !== 200) throw new Error(`${name}: ${res.status} ${res.text.slice(0, 300)}`);
      return 1;
    },
  });
  console.log(`${name} c=${CONCURRENCY}: ${result.operationsPerSecond.toFixed(0)} req/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms`);
  return result;
}

async function main(): Promise<void> {
  const mockPort = await freePort();
  const mock = await startChild(
    process.execPath,
    [path.join(root, 'bin/genaug.js'), 'mock', '--port', String(mockPort), '--quiet'],
    {},
    `http://127.0.0.1:${mockPort}/health/ready`,
  );
  const mockUrl = `http://127.0.0.1:${mockPort}/v1/responses`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const sample = await post(mockUrl, agent);
  const floorPort = await freePort();
  const floor = await startChild(process.execPath, ['-e', FLOOR_SERVER], { PORT: String(floorPort), BODY: sample.text }, `http://127.0.0.1:${floorPort}/`);
  try {
    const ours = await measure('genaug mock', mockUrl, agent);
    const theirs = await measure('bare node:http', `http://127.0.0.1:${floorPort}/v1/responses`, agent);
    const rows = [
      compare(`requests/s, concurrency ${CONCURRENCY}`, 'req/s', ours.operationsPerSecond, theirs.operationsPerSecond),
      compare(`p50 latency, concurrency ${CONCURRENCY} (theirs/ours)`, 'ms', theirs.latencyMs.p50, ours.latencyMs.p50, {
        ours: ours.latencyMs.p50,
        theirs: theirs.latencyMs.p50,
      }),
      compare(`p99 latency, concurrency ${CONCURRENCY} (theirs/ours)`, 'ms', theirs.latencyMs.p99, ours.latencyMs.p99, {
        ours: ours.latencyMs.p99,
        theirs: theirs.latencyMs.p99,
      }),
    ];
    printComparisons('genaug mock: non-streaming POST /v1/responses vs a bare node:http server answering the same bytes', 'node:http floor', rows);
    const met = ours.operationsPerSecond >= TARGET_PER_SECOND;
    console.log(`${met ? 'PASS' : 'BELOW TARGET'}: ${Math.round(ours.operationsPerSecond)} requests/s (target ${TARGET_PER_SECOND.toLocaleString('en-US')})`);
    writeResults(path.join(root, 'test/bench/results/mock.json'), {
      benchmark: 'mock',
      date: new Date().toISOString(),
      machine: machineInfo(),
      peer: { name: 'node:http', what: 'answers the mock response bytes without work' },
      settings: { durationMs: DURATION_MS, warmupMs: WARMUP_MS, concurrency: CONCURRENCY, responseBytes: Buffer.byteLength(sample.text) },
      target: { requestsPerSecond: TARGET_PER_SECOND, met },
      raw: { mock: ours, floor: theirs },
      metrics: rows,
    });
    agent.destroy();
  } finally {
    await mock.stop();
    await floor.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
