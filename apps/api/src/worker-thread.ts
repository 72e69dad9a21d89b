import { promises as fs } from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { logger } from '@genaug/kernel';
import type { MetricsJson } from '@genaug/audit';
import type { ServerOptions } from './server';

/** What the main thread and the worker thread say to each other. */
export type ToWorker = { type: 'stop' } | { type: 'metrics'; id: number };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'stopped' }
  | { type: 'metrics'; id: number; metrics: MetricsJson };

export const WORKER_THREAD_ENTRY = path.join(__dirname, 'worker-thread.main.js');

export interface WorkerThread {
  /** The worker's own counts (consumer metrics) for the main thread's scrape. */
  metrics(): Promise<MetricsJson>;
  stop(): Promise<void>;
}

/**
 * Runs the worker role (projections and reactors) on a thread of its own. It starts again a
 * second later if it dies: consumers resume from their checkpoints, so nothing is lost.
 */
export async function startWorkerThread(options: ServerOptions, entry = WORKER_THREAD_ENTRY): Promise<WorkerThread> {
  let worker: Worker;
  let stopping = false;
  let nextId = 0;
  const pending = new Map<number, (m: MetricsJson) => void>();
  // The worker thread lowers its own priority (worker-thread.main.ts). libuv's thread pool (DNS
  // lookups, zlib, file reads) serves the whole process, and its threads take the priority of
  // the thread that first uses it: that is this one, with this read, before the worker starts.
  await fs.access(entry);

  const spawn = () =>
    new Promise<void>((resolve, reject) => {
      worker = new Worker(entry, { workerData: { ...options, roles: ['worker'] } });
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') resolve();
        else if (msg.type === 'failed') reject(new Error(`worker thread: ${msg.message}`));
        else if (msg.type === 'metrics') {
          pending.get(msg.id)?.(msg.metrics);
          pending.delete(msg.id);
        }
      });
      worker.on('error', (err) => {
        logger.error({ err: err.message }, 'worker thread failed');
        reject(err);
      });
      worker.on('exit', (code) => {
        for (const answer of pending.values()) answer([]);
        pending.clear();
        if (stopping) return;
        logger.error({ code }, 'worker thread exited; starting it again');
        setTimeout(() => void spawn().catch(() => undefined), 1000);
      });
    });

  await spawn();
  return {
    metrics() {
      const id = nextId++;
      return new Promise<MetricsJson>((resolve) => {
        pending.set(id, resolve);
        worker.postMessage({ type: 'metrics', id } satisfies ToWorker);
        // A busy or restarting thread must not hold a scrape up.
        setTimeout(() => {
          if (pending.delete(id)) resolve([]);
        }, 2000).unref();
      });
    },
    async stop() {
      stopping = true;
      const exited = new Promise((r) => worker.once('exit', r));
      worker.postMessage({ type: 'stop' } satisfies ToWorker);
      await exited;
    },
  };
}
