import { summarize, type LatencySummary } from './stats';

export interface LoadOptions {
  /** Workers running operations one after another, all at the same time. */
  concurrency: number;
  /** Measured time; operations still running at the deadline finish and are counted. */
  durationMs: number;
  /** Unmeasured time first, so connection set-up and JIT warm-up are not in the figure. */
  warmupMs?: number;
  /** One operation of a worker; returns how many units (events, requests) it did. */
  operation: (worker: number) => Promise<number>;
}

export interface LoadResult {
  concurrency: number;
  operations: number;
  units: number;
  seconds: number;
  operationsPerSecond: number;
  unitsPerSecond: number;
  /** Per-operation latency in milliseconds. */
  latencyMs: LatencySummary;
  /** CPU time this process spent per operation (user + system, warm-up included), in microseconds. */
  cpuMicrosPerOperation: number;
}

/**
 * Runs `concurrency` closed-loop workers for a fixed time and measures throughput and latency
 * of the operations that started inside the measured window. Phases are read from the clock,
 * not timers, so an operation that never yields to the event loop cannot stall the run.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { concurrency, durationMs, warmupMs = 0, operation } = options;
  const measureFrom = performance.now() + warmupMs;
  const deadline = measureFrom + durationMs;
  let operations = 0;
  let units = 0;
  let lastEnd = measureFrom;
  let allOperations = 0;
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const worker = async (w: number) => {
    for (;;) {
      const started = performance.now();
      if (started >= deadline) return;
      const n = await operation(w);
      const ended = performance.now();
      allOperations++;
      if (started >= measureFrom) {
        latencies.push(ended - started);
        operations++;
        units += n;
        lastEnd = Math.max(lastEnd, ended);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const seconds = (lastEnd - measureFrom) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    concurrency,
    operations,
    units,
    seconds,
    operationsPerSecond: operations / seconds,
    unitsPerSecond: units / seconds,
    latencyMs: summarize(latencies),
    cpuMicrosPerOperation: allOperations ? (cpu.user + cpu.system) / allOperations : 0,
  };
}
