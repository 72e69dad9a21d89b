import { randomBytes } from 'crypto';
import type { Command } from 'commander';
import { responseOutputText, type ResponseObject } from '@genaug/sdk';
import { CheckRun, eventually, fail, pass, skip } from '../app-team/checks';
import { adminClient, appClient, connectionFrom, health } from '../app-team/connection';
import { projectInScope, turnsOf, usageWindow } from '../app-team/project-scope';
import { CliError, countOf, ExitCode, printJson } from '../output';

interface SmokeOptions {
  project?: string;
  adminKey?: string;
  model: string;
  json?: boolean;
}

const SMOKE_USER = 'genaug-smoke';

/**
 * `genaug smoke`: one real turn through the configured server, end to end: the server is
 * ready, a project key gets a response, the response and its trace can be read back, and the
 * turn shows up in usage.
 */
export function registerSmoke(program: Command): void {
  program
    .command('smoke')
    .description('one real turn through the server (GENAUG_API_BASE_URL, GENAUG_API_KEY): health, response, trace, usage')
    .option('--project <id|slug>', 'project for the trace and usage checks (default: GENAUG_PROJECT_ID)')
    .option('--admin-key <key>', 'admin key for the trace and usage checks (default: GENAUG_ADMIN_KEY)')
    .option('--model <tier>', 'the model tier to call', 'balanced')
    .option('--json', 'print the checks as JSON')
    .action(async (options: SmokeOptions) => {
      const conn = connectionFrom(options);
      const run = new CheckRun({ json: !!options.json });

      const ready = await run.check('health', 'checking the server is ready', async () => {
        const { status, body } = await health(conn, 'ready');
        const build = `version ${body.version ?? '?'} build ${body.build ?? '?'}`;
        if (status !== 200) return fail(`${conn.baseUrl} is not ready (${status}): ${JSON.stringify(body.checks ?? body)}`);
        return pass(`${conn.baseUrl} ready, ${build}`, { version: body.version, build: body.build });
      });

      const admin = conn.adminKey ? adminClient(conn) : null;
      const project = admin ? await projectInScope(admin, conn.projectId).catch(() => null) : null;
      // Counted before the turn, so the usage check sees this turn rather than an earlier one.
      const turnsBefore = admin && project ? turnsOf(await admin.usage(project, { ...usageWindow(), groupBy: 'user' }).catch(() => ({})), SMOKE_USER) : 0;

      let response: ResponseObject | null = null;
      const requestId = `req_smoke_${randomBytes(8).toString('hex')}`;
      await run.check('response', 'running one turn', async () => {
        if (!conn.apiKey) return fail('GENAUG_API_KEY is not set: a project key is needed to run a turn');
        const started = Date.now();
        response = await appClient(conn).createResponse(
          { model: options.model, user: SMOKE_USER, input: 'Reply with a short greeting for a smoke test.', metadata: { feature: 'genaug-smoke', source: 'cli' } },
          { idempotencyKey: `genaug-smoke-${randomBytes(8).toString('hex')}`, requestId },
        );
        const ms = Date.now() - started;
        const r = response;
        const evidence = {
          response_id: r.id,
          request_id: r.metadata.general_augment_request_id,
          trace_id: r.metadata.general_augment_trace_id,
          model: r.metadata.general_augment_model ?? r.model,
          total_tokens: r.usage?.total_tokens ?? null,
          cost_usd: r.metadata.general_augment_cost_usd ?? null,
          latency_ms: ms,
        };
        if (r.status !== 'completed' || !responseOutputText(r)) return fail(`response ${r.id} ended ${r.status} without output text`, evidence);
        return pass(`${r.id} completed in ${ms} ms by ${evidence.model}, ${evidence.total_tokens} tokens, $${evidence.cost_usd}`, evidence);
      });

      await run.check('response_retrievable', 'reading the response back', async () => {
        if (!response) return skip('no response to read');
        const got = await appClient(conn).getResponse(response.id);
        return got.id === response.id && got.status === response.status ? pass(`GET /v1/responses/${got.id} answered it`) : fail(`GET answered ${got.id} ${got.status}`);
      });

      const why = !response
        ? 'no response to look for'
        : !admin
          ? 'set GENAUG_ADMIN_KEY (or --admin-key) to check traces and usage'
          : 'pass --project (or GENAUG_PROJECT_ID): the admin key sees several projects';

      if (!admin || !project || !response) {
        run.note('trace', skip(why));
        run.note('usage', skip(why));
      } else {
        const r: ResponseObject = response;
        const traceId = r.metadata.general_augment_trace_id;
        await run.check('trace', 'reading the trace', async () => {
          const trace = await eventually(
            () => admin.trace(project, traceId).catch(() => null),
            (t) => t?.status === r.status,
          );
          if (!trace) return fail(`trace ${traceId} not found in project ${project}`);
          if (trace.response_id !== r.id) return fail(`trace ${traceId} belongs to ${String(trace.response_id)}, not ${r.id}`);
          const spans = Array.isArray(trace.spans) ? trace.spans.length : 0;
          return pass(`trace ${traceId}: ${String(trace.status)}, ${spans} spans`, { trace_id: traceId, project });
        });
        await run.check('usage', 'reading usage', async () => {
          const report = await eventually(
            () => admin.usage(project, { ...usageWindow(), groupBy: 'user' }),
            (u) => turnsOf(u, SMOKE_USER) > turnsBefore,
          );
          const turns = turnsOf(report, SMOKE_USER);
          return turns > turnsBefore
            ? pass(`the turn is counted: ${countOf(turns, 'turn')} of ${SMOKE_USER} in project ${project}'s usage`, { agent_turns: turns })
            : fail(`the turn is not in project ${project}'s usage (${countOf(turns, 'turn')} of ${SMOKE_USER})`);
        });
      }

      if (options.json) printJson({ ok: !run.failed, server: conn.baseUrl, ready: ready.status === 'PASS', checks: run.results, evidence: run.evidence });
      else run.printSummary();
      if (run.failed) throw new CliError('', ExitCode.failed);
    });
}
