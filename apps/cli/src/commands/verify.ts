import type { Command } from 'commander';
import { GeneralAugmentAPIError } from '@genaug/sdk';
import { CheckRun, fail, pass, skip, warn } from '../app-team/checks';
import { adminClient, appClient, connectionFrom, describeFailure, health } from '../app-team/connection';
import { projectKeyShape } from '../app-team/key-format';
import { CliError, ExitCode, printJson } from '../output';
import { listKeys } from './keys';

interface VerifyOptions {
  project?: string;
  adminKey?: string;
  json?: boolean;
}

/** An id no response has: reading it tells whether the key is accepted without running a turn. */
const NO_SUCH_RESPONSE = 'resp_00000000000000000000000000000000';
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** `genaug verify`: configuration and reachability, one line per check, no turn run. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check the configuration (GENAUG_*), that the server is reachable and ready, and that the keys are accepted')
    .option('--project <id|slug>', 'also check the project and that GENAUG_API_KEY belongs to it (default: GENAUG_PROJECT_ID)')
    .option('--admin-key <key>', 'admin key (default: GENAUG_ADMIN_KEY)')
    .option('--json', 'print the checks as JSON')
    .action(async (options: VerifyOptions) => {
      const conn = connectionFrom(options);
      const run = new CheckRun({ json: !!options.json });

      const url = new URL(conn.baseUrl);
      if (!conn.baseUrlSet) run.note('base_url', warn(`GENAUG_API_BASE_URL is not set: using ${conn.baseUrl}`));
      else if (url.protocol === 'http:' && !LOCAL_HOSTS.has(url.hostname)) run.note('base_url', warn(`${conn.baseUrl} is not https: keys would cross the network in clear`));
      else run.note('base_url', pass(conn.baseUrl));

      const shape = projectKeyShape(conn.apiKey);
      if (!conn.apiKey) run.note('api_key', fail('GENAUG_API_KEY is not set'));
      else if (!shape) run.note('api_key', warn('GENAUG_API_KEY is not a project key (ga_<env>_…); fine for genaug mock only'));
      else run.note('api_key', pass(`a ${shape.environment ?? 'unknown environment'} project key (${shape.prefix}…)`, { prefix: shape.prefix, environment: shape.environment }));

      run.note('admin_key', conn.adminKey ? pass('set') : warn('GENAUG_ADMIN_KEY is not set: admin checks skipped'));

      const live = await run.check('reachable', `reaching ${conn.baseUrl}`, async () => {
        const started = Date.now();
        const { status, body } = await health(conn, 'live');
        if (status !== 200) return fail(`GET /health/live answered ${status}`);
        return pass(`${conn.baseUrl} answered in ${Date.now() - started} ms: version ${body.version} build ${body.build}${body.mock ? ' (the mock)' : ''}`, {
          version: body.version,
          build: body.build,
          mock: !!body.mock,
        });
      });

      if (live.status !== 'PASS') {
        for (const name of ['ready', 'api_key_accepted', 'admin_key_accepted']) run.note(name, skip('the server is not reachable'));
      } else {
        await run.check('ready', 'checking readiness', async () => {
          const { status, body } = await health(conn, 'ready');
          if (status === 200) return pass('ready');
          const failing = Object.entries<any>(body.checks ?? {})
            .filter(([, c]) => !c.ok)
            .map(([name]) => name);
          return fail(`not ready (${status}): ${failing.join(', ') || JSON.stringify(body)}`);
        });

        await run.check('api_key_accepted', 'trying the project key', async () => {
          if (!conn.apiKey) return skip('GENAUG_API_KEY is not set');
          try {
            await appClient(conn).getResponse(NO_SUCH_RESPONSE);
            return fail(`the server answered a response for ${NO_SUCH_RESPONSE}`);
          } catch (err) {
            if (err instanceof GeneralAugmentAPIError && err.status === 404) return pass('the server accepts GENAUG_API_KEY for /v1 routes');
            return fail(`GENAUG_API_KEY refused: ${describeFailure(err)}`);
          }
        });

        await run.check('admin_key_accepted', 'trying the admin key', async () => {
          if (!conn.adminKey) return skip('no admin key');
          const page = await adminClient(conn).listProjects({ limit: 200 });
          return pass(`the admin key sees ${page.data.length}${page.has_more ? '+' : ''} project(s)`);
        });

        if (conn.projectId) {
          await run.check('project', `finding project ${conn.projectId}`, async () => {
            if (!conn.adminKey) return skip('no admin key');
            const p = await adminClient(conn).getProject(conn.projectId!);
            return pass(`${String(p.name)} (slug ${String(p.slug)}, id ${p.id})`, { id: p.id, slug: p.slug });
          });
          await run.check('api_key_project', 'matching the project key to the project', async () => {
            if (!conn.adminKey || !shape) return skip(!conn.adminKey ? 'no admin key' : 'GENAUG_API_KEY is not a project key');
            const key = (await listKeys(conn, conn.projectId!)).find((k) => k.prefix === shape.prefix);
            if (!key) return fail(`GENAUG_API_KEY (${shape.prefix}…) is not a key of project ${conn.projectId}`);
            if (key.revoked_at) return fail(`GENAUG_API_KEY (${key.id}) was revoked at ${key.revoked_at}`);
            return pass(`GENAUG_API_KEY is ${key.environment} key ${key.id} of this project (${key.scopes.join(', ')})`);
          });
        }
      }

      if (options.json) printJson({ ok: !run.failed, server: conn.baseUrl, checks: run.results, evidence: run.evidence });
      else run.printSummary();
      if (run.failed) throw new CliError('', ExitCode.failed);
    });
}
