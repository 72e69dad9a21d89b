import './log-level';
import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError } from 'commander';
import { registerAudit } from './commands/audit';
import { registerProjections } from './commands/projections';
import { registerSupportBundle } from './commands/support-bundle';
import { registerMock } from './commands/mock';
import { registerProjects } from './commands/projects';
import { registerKeys } from './commands/keys';
import { registerSmoke } from './commands/smoke';
import { registerVerify } from './commands/verify';
import { registerOnboarding } from './commands/onboarding';
import { CliError, ExitCode, printError } from './output';

/** The version of the package this file ships in (works from source and from dist/). */
function packageVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  }
  return '0.0.0';
}

export function buildProgram(): Command {
  const program = new Command('genaug')
    .description('General Augment: operate a self-hosted agent backend')
    .version(packageVersion(), '-v, --version', 'print the version')
    // Commander exits by itself on usage errors; we decide the exit code instead.
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  // One file per command group under ./commands.
  registerAudit(program);
  registerProjections(program);
  registerSupportBundle(program);
  registerMock(program);
  registerProjects(program);
  registerKeys(program);
  registerSmoke(program);
  registerVerify(program);
  registerOnboarding(program);
  return program;
}

function exit(code: number): void {
  // Exit once stdout has been written out: a pipe reader must get every line.
  process.stdout.write('', () => process.exit(code));
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
    exit(ExitCode.ok);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      exit(err.exitCode === 0 ? ExitCode.ok : ExitCode.error);
    } else if (err instanceof CliError) {
      if (err.message) printError(`genaug: ${err.message}`);
      exit(err.exitCode);
    } else {
      printError(`genaug: ${(err as Error).stack ?? String(err)}`);
      exit(ExitCode.error);
    }
  }
}

if (require.main === module) void main();
