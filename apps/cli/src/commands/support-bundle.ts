import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { auditLogProjection, AuditLogReader, SupportBundles, TraceReader, tracesProjection } from '@genaug/audit';
import { ProjectDirectory, projectsProjection } from '@genaug/projects';
import { BUILD } from '../../../api/src/build-info';
import { CliError, countOf, ExitCode, printLine } from '../output';
import { withRuntime } from '../runtime';

interface SupportBundleOptions {
  project: string;
  output?: string;
  stdout?: boolean;
}

/** `genaug support-bundle <id> --project <id>`: one turn's redacted support bundle, as a file. */
export function registerSupportBundle(program: Command): void {
  program
    .command('support-bundle')
    .description("write a turn's support bundle (trace, events, usage, ids; redacted) to a JSON file")
    .argument('<id>', 'the response id, trace id or request id of the turn')
    .requiredOption('--project <id>', 'the project id or slug')
    .option('-o, --output <file>', 'where to write it (default: support-bundle-<response id>.json)')
    .option('--stdout', 'print the bundle instead of writing a file')
    .action(async (id: string, options: SupportBundleOptions) => {
      const bundle = await withRuntime(async ({ pool, sealer, host }) => {
        // No worker may be running: bring the read models the bundle reads up to date first.
        await host.catchUpAll([projectsProjection.name, tracesProjection.name, auditLogProjection.name]);
        const project = await new ProjectDirectory(pool).find(options.project);
        if (!project) throw new CliError(`no project "${options.project}"`, ExitCode.failed);
        const bundles = new SupportBundles(new TraceReader(pool, sealer), new AuditLogReader(pool), BUILD);
        return bundles.build(project, id);
      });
      if (!bundle) throw new CliError(`no turn "${id}" in project "${options.project}"`, ExitCode.failed);
      const json = `${JSON.stringify(bundle, null, 2)}\n`;
      if (options.stdout) {
        process.stdout.write(json);
        return;
      }
      const file = path.resolve(options.output ?? `support-bundle-${bundle.ids.response_id}.json`);
      fs.writeFileSync(file, json, { mode: 0o600 });
      printLine(`wrote ${file}: turn ${bundle.ids.response_id}, ${countOf(bundle.events.length, 'event')}, status ${bundle.trace.status}`);
    });
}
