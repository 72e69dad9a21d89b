import type { Command } from 'commander';
import { z } from 'zod';
import { adminClient, adminGet, call, connectionFrom, type Connection } from '../app-team/connection';
import { CliError, ExitCode, printError, printJson, printLine, printTable } from '../output';

interface KeyOptions {
  project: string;
  adminKey?: string;
  json?: boolean;
}

export const KEY_ENVIRONMENTS = ['production', 'staging', 'development', 'ci'] as const;
const KEY_SCOPES = ['responses', 'admin'] as const;

export interface ApiKeyView {
  id: string;
  prefix: string;
  scopes: string[];
  environment: string;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}

/** A project's keys, newest last; revoked ones included. */
export async function listKeys(conn: Connection, project: string): Promise<ApiKeyView[]> {
  return (await adminGet<{ data: ApiKeyView[] }>(conn, `/api/v1/admin/projects/${encodeURIComponent(project)}/keys`)).data;
}

const scopesSchema = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.enum(KEY_SCOPES)).min(1));

/** `genaug keys create|list|revoke`: a project's API keys, one per environment. */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description("create, list and revoke a project's API keys");
  const common = (c: Command) =>
    c
      .requiredOption('--project <id|slug>', 'the project')
      .option('--admin-key <key>', 'admin key (default: GENAUG_ADMIN_KEY)')
      .option('--json', 'print JSON');

  common(
    keys
      .command('create')
      .description('issue a key; the raw key is shown once')
      .option('--environment <env>', `one of ${KEY_ENVIRONMENTS.join(', ')}`, 'development')
      .option('--scopes <list>', 'comma-separated: responses (app traffic), admin', 'responses')
      .option('--label <text>', 'what the key is for'),
  ).action(async (options: KeyOptions & { environment: string; scopes: string; label?: string }) => {
    if (!(KEY_ENVIRONMENTS as readonly string[]).includes(options.environment)) {
      throw new CliError(`--environment must be one of ${KEY_ENVIRONMENTS.join(', ')}`, ExitCode.error);
    }
    const scopes = scopesSchema.safeParse(options.scopes);
    if (!scopes.success) throw new CliError(`--scopes must list ${KEY_SCOPES.join(' and/or ')}`, ExitCode.error);
    const client = adminClient(connectionFrom(options));
    const key = await call(() =>
      client.createApiKey(options.project, { scopes: scopes.data, environment: options.environment, ...(options.label ? { label: options.label } : {}) }),
    );
    if (options.json) return printJson(key);
    printLine(`created ${key.environment} key ${key.id} (${(key.scopes as string[]).join(', ')}) for project ${options.project}`);
    printLine(String(key.key));
    printError('Store it in your backend secret storage now: it is not shown again.');
  });

  common(keys.command('list').description("the project's keys (never the raw keys)")).action(async (options: KeyOptions) => {
    const conn = connectionFrom(options);
    const all = await call(() => listKeys(conn, options.project));
    if (options.json) return printJson(all);
    if (!all.length) return printLine(`no keys yet: genaug keys create --project ${options.project}`);
    printTable(all, [
      { header: 'id', value: (k) => k.id },
      { header: 'prefix', value: (k) => k.prefix },
      { header: 'environment', value: (k) => k.environment },
      { header: 'scopes', value: (k) => k.scopes.join(',') },
      { header: 'label', value: (k) => k.label ?? '' },
      { header: 'status', value: (k) => (k.revoked_at ? `revoked ${k.revoked_at}` : 'active') },
    ]);
  });

  common(keys.command('revoke').description('revoke a key: it answers 401 from then on').argument('<key_id>', 'the key to revoke')).action(
    async (keyId: string, options: KeyOptions) => {
      const client = adminClient(connectionFrom(options));
      const key = await call(() => client.revokeApiKey(options.project, keyId));
      if (options.json) return printJson(key);
      printLine(`revoked key ${keyId} of project ${options.project}`);
    },
  );
}
