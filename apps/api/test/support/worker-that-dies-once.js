// A worker thread entry for tests: the real one, except that the first thread to run it exits
// abruptly once it is ready, as a crash would. Each start adds a line to the file the test names
// in the backend's options (`workerStarts`), so the test can see the thread come back.
const fs = require('fs');
const path = require('path');
const { parentPort, workerData } = require('worker_threads');

const starts = workerData.workerStarts;
const first = !fs.existsSync(starts);
fs.appendFileSync(starts, 'start\n');
if (first) {
  const post = parentPort.postMessage.bind(parentPort);
  parentPort.postMessage = (msg) => {
    post(msg);
    if (msg && msg.type === 'ready') setTimeout(() => process.exit(3), 200);
  };
}
require(path.resolve(__dirname, '../../../../dist/apps/api/src/worker-thread.main.js'));
