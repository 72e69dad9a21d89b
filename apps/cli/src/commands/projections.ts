import type { Command } from 'commander';
import type { SubscriptionState } from '@genaug/event-store';
import { CliError, ExitCode, formatCount, formatSeconds, printJson, printLine, printTable, progress } from '../output';
import { withRuntime } from '../runtime';

/** What an operator wants to know: is anything consuming it, whichever process that is. */
function statusOf(s: SubscriptionState): string {
  if (s.status !== 'not_running') return s.status;
  return s.active ? 'active' : 'stopped';
}

/** `genaug projections …`: the read models built from the event history. */
export function registerProjections(program: Command): void {
  const projections = program.command('projections').description('list and rebuild read models');

  projections
    .command('list')
    .description('every projection and reactor with its checkpoint and lag')
    .option('--json', 'print the list as JSON')
    .action(async (options: { json?: boolean }) => {
      const states = await withRuntime(({ host }) => host.states());
      if (options.json) {
        printJson(
          states.map((s) => ({
            name: s.name,
            kind: s.kind,
            status: statusOf(s),
            checkpoint: { transaction_id: s.checkpoint.transactionId, global_position: s.checkpoint.globalPosition },
            lag_events: s.lagEvents,
            lag_seconds: Math.round(s.lagSeconds * 1000) / 1000,
            reset_at: s.resetAt,
          })),
        );
        return;
      }
      printTable(states, [
        { header: 'name', value: (s) => s.name },
        { header: 'kind', value: (s) => s.kind },
        { header: 'status', value: statusOf },
        { header: 'checkpoint', value: (s) => formatCount(s.checkpoint.globalPosition), align: 'right' },
        { header: 'lag events', value: (s) => formatCount(s.lagEvents), align: 'right' },
        { header: 'lag', value: (s) => formatSeconds(s.lagSeconds), align: 'right' },
      ]);
    });

  projections
    .command('rebuild')
    .description("drop a projection's tables and replay the whole history into them")
    .argument('<name>', 'the projection to rebuild')
    .action(async (name: string) => {
      const done = await withRuntime(async ({ host }) => {
        if (!host.projection(name)) {
          const known = host.names().filter((n) => host.projection(n));
          throw new CliError(`unknown projection "${name}"; known: ${known.join(', ') || 'none'}`, ExitCode.error);
        }
        const bar = progress(`rebuilding ${name}`, 'events');
        try {
          return await host.rebuild(name, (p) => bar.update(p.handled, p.total));
        } finally {
          bar.stop();
        }
      });
      printLine(`rebuilt ${name}: ${formatCount(done.handled)} events replayed`);
    });
}
