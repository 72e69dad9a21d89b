#!/usr/bin/env node
// The `genaug` command: runs the compiled CLI from dist/ (built by `npm run build`).
const path = require('path');
const main = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
let cli;
try {
  cli = require(main);
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(main)) {
    process.stderr.write('genaug: the CLI is not built yet; run `npm run build` first\n');
    process.exit(2);
  }
  throw err;
}
cli.main(process.argv);
