const fs = require('fs');

module.exports = async () => {
  const started = globalThis.__GENAUG_PG__;
  if (!started) return;
  await started.db.stop();
  fs.rmSync(started.dir, { recursive: true, force: true });
};
