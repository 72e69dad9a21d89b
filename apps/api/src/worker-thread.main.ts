// The worker thread's entry: the worker role's server, answering the main thread's messages.
import { parentPort, workerData } from 'worker_threads';
import { Metrics } from '@genaug/audit';
import { startServer, type ServerOptions } from './server';
import type { FromWorker, ToWorker } from './worker-thread';

const port = parentPort!;
const send = (msg: FromWorker) => port.postMessage(msg);

async function main(): Promise<void> {
  const options = workerData as ServerOptions;
  // Its HTTP side (health only) listens on a loopback port nobody is told about.
  const server = await startServer({ ...options, masterKey: Buffer.from(options.masterKey), port: 0, host: '127.0.0.1' });
  const metrics = server.app.get(Metrics);
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'metrics') void metrics.ownCounts().then((m) => send({ type: 'metrics', id: msg.id, metrics: m }));
    else if (msg.type === 'stop') {
      void server
        .close()
        .catch(() => undefined)
        .finally(() => {
          send({ type: 'stopped' });
          port.close();
        });
    }
  });
  send({ type: 'ready' });
}

main().catch((err) => send({ type: 'failed', message: (err as Error).message }));
