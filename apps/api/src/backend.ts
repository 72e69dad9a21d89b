import { Metrics } from '@genaug/audit';
import { startServer, type RunningServer, type ServerOptions } from './server';
import { startWorkerThread, WORKER_THREAD_ENTRY } from './worker-thread';

/**
 * Starts the roles asked for. Both roles run on two threads of one process: projections and
 * reactors get an event loop of their own, so a busy API does not hold them up (sharing one
 * loop with the API at full load, their lag grew several times over) and vice versa.
 */
export async function startBackend(options: ServerOptions, workerEntry = WORKER_THREAD_ENTRY): Promise<RunningServer> {
  if (!options.roles.includes('api') || !options.roles.includes('worker')) return startServer(options);
  const worker = await startWorkerThread(options, workerEntry);
  try {
    const api = await startServer({ ...options, roles: options.roles.filter((r) => r !== 'worker') });
    api.app.get(Metrics).addSource(() => worker.metrics());
    return {
      app: api.app,
      url: api.url,
      async close() {
        await api.close();
        await worker.stop();
      },
    };
  } catch (err) {
    await worker.stop();
    throw err;
  }
}
