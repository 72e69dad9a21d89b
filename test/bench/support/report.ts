import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { round } from './stats';

/** One figure measured for us and for the peer in the same run; ratio > 1 means we are faster. */
export interface Comparison {
  metric: string;
  unit: string;
  ours: number;
  theirs: number;
  ratio: number;
  /** Anything a reader needs to interpret the figure (latencies, how each side did the work). */
  details?: Record<string, unknown>;
}

export function compare(metric: string, unit: string, ours: number, theirs: number, details?: Record<string, unknown>): Comparison {
  return { metric, unit, ours: round(ours), theirs: round(theirs), ratio: theirs > 0 ? round(ours / theirs) : Infinity, details };
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  platform: string;
  node: string;
  /** 1, 5 and 15-minute load averages when asked: other work on the machine moves the figures. */
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage: os.loadavg().map((l) => round(l)),
  };
}

/** Prints a table with our figure, the peer's and the ratio, one row per metric. */
export function printComparisons(title: string, peer: string, rows: Comparison[]): void {
  const header = ['metric', 'unit', 'ours', peer, 'ours/theirs'];
  const body = rows.map((r) => [r.metric, r.unit, fmt(r.ours), fmt(r.theirs), `${r.ratio.toFixed(2)}x`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  console.log('');
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

/** Writes a results file (pretty JSON, trailing newline) so runs can be committed and compared. */
export function writeResults(file: string, results: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
