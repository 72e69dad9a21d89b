#!/usr/bin/env node
// Compiles apps/, libs/ and test/bench with SWC into dist/, keeping the source layout.
// Type checking is `npm run typecheck`; this stays fast enough to run before every start.
const fs = require('fs');
const path = require('path');
const swc = require('@swc/core');
const { root, options } = require('./swc.config');

const roots = ['apps', 'libs', 'test/bench', 'test/support'];
const skip = /(\.spec\.ts|\.d\.ts)$/;

function* walk(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name === 'sdk-python') continue;
      yield* walk(full);
    } else yield full;
  }
}

async function main() {
  const out = path.join(root, 'dist');
  let count = 0;
  const jobs = [];
  for (const r of roots) {
    for (const file of walk(path.join(root, r))) {
      const rel = path.relative(root, file);
      const target = path.join(out, rel);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (file.endsWith('.ts') && !skip.test(file)) {
        jobs.push(
          swc.transformFile(file, { ...options, filename: file }).then((res) => {
            fs.writeFileSync(target.replace(/\.ts$/, '.js'), res.code);
            count++;
          }),
        );
      } else if (/\.(sql|json|html|css|txt)$/.test(file)) {
        fs.copyFileSync(file, target);
      }
    }
  }
  await Promise.all(jobs);
  if (process.env.GENAUG_BUILD_VERBOSE) console.log(`built ${count} files into dist/`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
