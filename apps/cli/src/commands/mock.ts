import type { Command } from 'commander';
import { MOCK_DEFAULT_PORT } from '../../../../libs/mock/src/mock-defaults';
import { CliError, ExitCode, printLine } from '../output';

interface MockOptions {
  host: string;
  port: string;
  quiet?: boolean;
}

/** `genaug mock`: the deterministic local mock of the app API, for contract tests in CI. */
export function registerMock(program: Command): void {
  program
    .command('mock')
    .description('run the local mock of the app API (no database, deterministic answers) until stopped')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', String(MOCK_DEFAULT_PORT))
    .option('--quiet', 'print nothing: no start-up banner, no line per request')
    .action(async (options: MockOptions) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a port number, got "${options.port}"`);
      // Loaded here, not at start-up: the mock pulls in the response contract, models and governance.
      const { MOCK_TRIGGERS, MOCK_USER_PREFIX, startMockServer } = await import('../../../../libs/mock/src');
      const server = await startMockServer({ host: options.host, port, quiet: options.quiet }).catch((err: NodeJS.ErrnoException) => {
        throw new CliError(`cannot listen on ${options.host}:${port}: ${err.code ?? err.message}`, ExitCode.error);
      });
      if (!options.quiet) {
        printLine(`General Augment mock listening on ${server.url}`);
        printLine(`  export GENAUG_API_BASE_URL="${server.url}"`);
        printLine('  export GENAUG_API_KEY="local-test"    (any key is accepted)');
        printLine(`  on demand (errors, a held background turn): "user": "${MOCK_TRIGGERS.map((t) => MOCK_USER_PREFIX + t).join('" | "')}"`);
      }
      // Runs until the process is told to stop; then closes cleanly so the exit code is 0.
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
