// The worker thread of `npm start`, with the traces, usage and audit read models timed as they
// apply each event; the samples go to GENAUG_BENCH_SAMPLES_FILE when the thread is told to stop.
import * as fs from 'fs';
import { parentPort } from 'worker_threads';
import { auditProjections } from '@genaug/audit';
import { timeApplies } from './applied-lag';

const samples = timeApplies(auditProjections);
parentPort!.on('message', (msg: { type: string }) => {
  if (msg.type === 'stop') fs.writeFileSync(process.env.GENAUG_BENCH_SAMPLES_FILE!, JSON.stringify([...samples]));
});
require('../../../apps/api/src/worker-thread.main');
