import { execSync } from 'child_process';
import * as path from 'path';

// Version from package.json; build from GENAUG_BUILD, else the git commit when run from a checkout.
const root = path.resolve(__dirname, '..', '..', '..');
function readVersion(): string {
  for (const dir of [root, path.resolve(root, '..')]) {
    try {
      return require(path.join(dir, 'package.json')).version;
    } catch {
      /* try the next */
    }
  }
  return '0.0.0';
}
function readBuild(): string {
  if (process.env.GENAUG_BUILD) return process.env.GENAUG_BUILD;
  try {
    return execSync('git rev-parse --short HEAD', { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

export const BUILD = { version: readVersion(), build: readBuild() };
