import { randomBytes } from 'crypto';
import type { Command } from 'commander';
import { GeneralAugmentClient, responseOutputText, VERSION as SDK_VERSION, type Project, type ResponseObject } from '@genaug/sdk';
import { CheckRun, eventually, fail, pass, skip, warn } from '../app-team/checks';
import { adminClient, appClient, connectionFrom, health, type Connection } from '../app-team/connection';
import { projectKeyShape } from '../app-team/key-format';
import { checkMemoryIsolation } from '../app-team/memory-isolation';
import { CliError, ExitCode, printJson, printLine } from '../output';
import { listKeys, type ApiKeyView } from './keys';

interface OnboardingOptions {
  project: string;
  expectSlug?: string;
  adminKey?: string;
  json?: boolean;
}

const ONBOARDING_USER = 'genaug-onboarding';

/** The key a check runs its turn with: the app's own when it belongs to the project, else a temporary one. */
interface ExecutionKey {
  raw: string;
  key: Pick<ApiKeyView, 'id' | 'prefix' | 'environment'>;
  source: 'GENAUG_API_KEY' | 'temporary';
}

/**
 * `genaug onboarding verify --project <p> --json`: seed 002's launch evidence for one project,
 * each item a check with its own status, and `project_key_execution=PASS` when a project key
 * completed a real turn. Keep the JSON with the release evidence.
 */
export function registerOnboarding(program: Command): void {
  const onboarding = program.command('onboarding').description('launch evidence for a project');
  onboarding
    .command('verify')
    .description("collect a project's launch evidence: project, keys, a project-key turn, ids, memory isolation, limits, server build")
    .requiredOption('--project <id|slug>', 'the project')
    .option('--expect-slug <slug>', 'fail unless the project has this slug')
    .option('--admin-key <key>', 'admin key (default: GENAUG_ADMIN_KEY)')
    .option('--json', 'print the evidence as JSON')
    .action(async (options: OnboardingOptions) => {
      const conn = connectionFrom(options);
      const admin = adminClient(conn);
      const run = new CheckRun({ json: !!options.json, style: 'evidence' });
      const report: Record<string, unknown> = {};

      const server = await run.check('server_version', `reaching ${conn.baseUrl}`, async () => {
        const { status, body } = await health(conn, 'live');
        if (status !== 200) return fail(`GET /health/live answered ${status}`);
        report.server = { url: conn.baseUrl, version: body.version, build: body.build };
        return pass(`${conn.baseUrl}: version ${body.version}, build ${body.build}`, { version: body.version, build: body.build });
      });

      let project: Project | null = null;
      if (server.status === 'PASS') {
        await run.check('project_exists', `finding project ${options.project}`, async () => {
          project = await admin.getProject(options.project);
          const p = project;
          report.project = { id: p.id, slug: p.slug, name: p.name };
          const evidence = { id: p.id, slug: p.slug, name: p.name };
          if (options.expectSlug && p.slug !== options.expectSlug) return fail(`slug is ${String(p.slug)}, expected ${options.expectSlug}`, evidence);
          return pass(`${String(p.name)} (slug ${String(p.slug)}, id ${p.id})`, evidence);
        });
      }

      if (!project) {
        for (const name of ['keys_separated_by_environment', 'project_key_execution', 'ids_retrievable', 'memory_isolation', 'limits_reachable']) {
          run.note(name, skip(server.status === 'PASS' ? 'no such project' : 'the server is not reachable'));
        }
      } else {
        const p: Project = project;
        let keys: ApiKeyView[] = [];
        await run.check('keys_separated_by_environment', 'reading the project keys', async () => {
          keys = await listKeys(conn, p.id);
          return keySeparation(keys);
        });

        // Filled in by the checks as they pass; later checks read what earlier ones found.
        const turn: { key: ExecutionKey | null; response: ResponseObject | null } = { key: null, response: null };
        const requestId = `req_onboarding_${randomBytes(8).toString('hex')}`;
        let limitHeaders: Record<string, string> = {};
        try {
          await run.check('project_key_execution', 'running a turn with a project key', async () => {
            const execution = (turn.key = await executionKey(conn, admin, p.id, keys));
            const started = Date.now();
            const r = (turn.response = await appClient(conn, execution.raw).createResponse(
              { model: 'balanced', user: ONBOARDING_USER, input: 'Reply with a short greeting for launch verification.', metadata: { feature: 'onboarding-verify', source: 'cli' } },
              { idempotencyKey: `onboarding-${randomBytes(8).toString('hex')}`, requestId },
            ));
            const evidence = {
              response_id: r.id,
              status: r.status,
              key_id: execution.key.id,
              key_prefix: execution.key.prefix,
              key_environment: execution.key.environment,
              key_source: execution.source,
              model: r.metadata.general_augment_model ?? r.model,
              total_tokens: r.usage?.total_tokens ?? null,
              cost_usd: r.metadata.general_augment_cost_usd ?? null,
              latency_ms: Date.now() - started,
            };
            if (r.status !== 'completed' || !responseOutputText(r)) return fail(`the turn ended ${r.status} without output text`, evidence);
            return pass(`${execution.key.environment} key ${execution.key.prefix}… (${execution.source}) completed ${r.id}`, evidence);
          });

          await run.check('ids_retrievable', 'reading the response and its trace back', async () => {
            const { response: r, key: execution } = turn;
            if (!r || !execution) return skip('no turn to look for');
            const ids = { response_id: r.id, request_id: r.metadata.general_augment_request_id, trace_id: r.metadata.general_augment_trace_id };
            if (ids.request_id !== requestId) return fail(`the response carries request id ${ids.request_id}, not the X-Request-ID sent (${requestId})`, ids);
            const got = await fetch(`${conn.baseUrl}/v1/responses/${r.id}`, { headers: { authorization: `Bearer ${execution.raw}` } });
            limitHeaders = Object.fromEntries([...got.headers].filter(([name]) => name.startsWith('x-ratelimit-')));
            if (got.status !== 200) return fail(`GET /v1/responses/${r.id} answered ${got.status}`, ids);
            const byTrace = await eventually(() => admin.trace(p.id, ids.trace_id).catch(() => null), (t) => t?.status === r.status);
            if (byTrace?.response_id !== r.id) return fail(`trace ${ids.trace_id} is not retrievable`, ids);
            const byRequest = await admin.trace(p.id, ids.request_id).catch(() => null);
            if (byRequest?.response_id !== r.id) return fail(`request id ${ids.request_id} does not find the trace`, ids);
            const bundle = await admin.supportBundle(p.id, r.id).then(
              () => true,
              () => false,
            );
            return pass(`response ${r.id}, request ${ids.request_id} and trace ${ids.trace_id} all retrievable${bundle ? ', support bundle too' : ''}`, {
              ...ids,
              support_bundle: bundle,
            });
          });

          await run.check('memory_isolation', 'checking memory isolation with two users', async () => {
            if (!turn.key) return skip('no project key to call memory with');
            return checkMemoryIsolation(appClient(conn, turn.key.raw));
          });
        } finally {
          if (turn.key?.source === 'temporary') await admin.revokeApiKey(p.id, turn.key.key.id).catch(() => undefined);
        }

        await run.check('limits_reachable', 'reading the limits that apply', async () => limitsEvidence(p, limitHeaders));
      }

      report.generated_at = new Date().toISOString();
      report.cli_version = program.version();
      report.sdk_version = SDK_VERSION;
      const summary = Object.fromEntries(run.results.map((r) => [r.name, r.status]));
      if (options.json) printJson({ ok: !run.failed, ...report, summary, evidence: run.evidence, checks: run.results });
      else {
        printLine(`${run.failed ? 'FAIL' : 'PASS'}: onboarding evidence for ${options.project}: ${run.summary()}`);
      }
      if (run.failed) throw new CliError('', ExitCode.failed);
    });
}

/** Keys per environment, server-side only and one purpose each: app traffic keys never carry admin. */
function keySeparation(keys: ApiKeyView[]) {
  const active = keys.filter((k) => !k.revoked_at);
  const app = active.filter((k) => k.scopes.includes('responses'));
  const environments: Record<string, number> = {};
  for (const k of app) environments[k.environment] = (environments[k.environment] ?? 0) + 1;
  const mixed = active.filter((k) => k.scopes.includes('responses') && k.scopes.includes('admin')).map((k) => k.id);
  const evidence = { environments, active: active.length, revoked: keys.length - active.length, mixed_scope_keys: mixed };
  const shown = Object.entries(environments)
    .map(([env, n]) => `${env} ${n}`)
    .join(', ');
  if (!app.length) return fail('no active key with the responses scope: the app has nothing to call with', evidence);
  if (mixed.length) return warn(`app keys that can also administer the project: ${mixed.join(', ')}; issue separate admin keys`, evidence);
  if (Object.keys(environments).length < 2) return warn(`app keys in one environment only (${shown}); issue one per environment (production, staging, development, ci)`, evidence);
  return pass(`app keys by environment: ${shown}`, evidence);
}

/** GENAUG_API_KEY when it is an active key of this project; else a temporary CI key, revoked afterwards. */
async function executionKey(conn: Connection, admin: GeneralAugmentClient, projectId: string, keys: ApiKeyView[]): Promise<ExecutionKey> {
  const shape = projectKeyShape(conn.apiKey);
  const own = shape && keys.find((k) => k.prefix === shape.prefix && !k.revoked_at && k.scopes.includes('responses'));
  if (own && conn.apiKey) return { raw: conn.apiKey, key: own, source: 'GENAUG_API_KEY' };
  const issued = await admin.createApiKey(projectId, { scopes: ['responses'], environment: 'ci', label: 'genaug onboarding verify (temporary)' });
  return { raw: String(issued.key), key: { id: issued.id, prefix: String(issued.prefix), environment: String(issued.environment) }, source: 'temporary' };
}

/** Which 402/429 limits apply to the project, and proof that its keys are metered (X-RateLimit-* on answers). */
function limitsEvidence(project: Project, headers: Record<string, string>) {
  const governance = ((project.settings as Record<string, unknown> | undefined)?.governance ?? null) as Record<string, unknown> | null;
  const evidence = { rate_limit_headers: headers, governance: governance ?? 'server defaults' };
  if (!headers['x-ratelimit-limit']) return warn('answers carry no X-RateLimit-* headers: the server does not enforce limits (GENAUG_GOVERNANCE=off?), so 402/429 never come', evidence);
  const configured = governance ? `project settings ${JSON.stringify(governance)}` : 'the server defaults';
  return pass(`429 and 402 are enforced: ${headers['x-ratelimit-limit']} requests/min for this key, limits from ${configured}`, evidence);
}
