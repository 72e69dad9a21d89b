import type { Command } from 'commander';
import { verifyChain, type BrokenLink, type ChainVerification } from '@genaug/event-store';
import { CliError, countOf, ExitCode, printJson, printLine, progress } from '../output';
import { withRuntime } from '../runtime';

interface VerifyOptions {
  stream?: string;
  project?: string;
  json?: boolean;
}

const problems: Record<BrokenLink['problem'], string> = {
  hash_mismatch: 'hash mismatch: the stored event is not the one that was appended',
  missing_version: 'missing version: the event was removed from the history',
};

/** `genaug audit …`: checks on the event history. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('check the event history');
  audit
    .command('verify')
    .description("recompute every stream's hash chain and report the first broken link")
    .option('--stream <id>', 'verify only this stream')
    .option('--project <id>', "verify only this project's streams")
    .option('--json', 'print the result as JSON')
    .action(async (options: VerifyOptions) => {
      const result = await withRuntime(async ({ pool }) => {
        const scope = { streamId: options.stream, projectId: options.project };
        if (options.json || !process.stdout.isTTY) return verifyChain(pool, scope);
        const total = Number(
          (
            await pool.query(
              `select count(*) as n from genaug_events where ($1::text is null or stream_id = $1)
                 and ($2::text is null or stream_id in (select stream_id from genaug_streams where project_id = $2))`,
              [scope.streamId ?? null, scope.projectId ?? null],
            )
          ).rows[0].n,
        );
        const bar = progress('verifying', 'events');
        try {
          return await verifyChain(pool, { ...scope, onProgress: (n) => bar.update(n, Math.max(n, total)) });
        } finally {
          bar.stop();
        }
      });
      report(result, options);
      if (!result.ok) throw new CliError('', ExitCode.failed);
    });
}

function report(result: ChainVerification, options: VerifyOptions): void {
  if (options.json) {
    printJson(result);
    return;
  }
  const counted = `${countOf(result.streams, 'stream')}, ${countOf(result.events, 'event')}`;
  if (result.ok) {
    const scope = options.stream ? ` (stream ${options.stream})` : options.project ? ` (project ${options.project})` : '';
    printLine(`PASS hash chain intact${scope}: ${counted} verified`);
    return;
  }
  const b = result.broken!;
  printLine(`FAIL stream ${b.streamId} version ${b.version}: ${problems[b.problem]}`);
  printLine(`     ${counted} verified before the broken link`);
}
