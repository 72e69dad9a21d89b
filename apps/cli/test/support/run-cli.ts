import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const GENAUG_BIN = path.resolve(__dirname, '../../../../bin/genaug.js');
const MAIN = path.resolve(__dirname, '../../../../dist/apps/cli/src/main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `genaug` binary against a database, as an operator would. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genaug-cli-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GENAUG_BIN, ...args], {
      env: {
        PATH: process.env.PATH,
        GENAUG_DATA_DIR: dataDir,
        GENAUG_MASTER_KEY: '07'.repeat(32),
        GENAUG_ADMIN_KEY: 'gaadm_cli_test_admin_key',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}
