import { randomBytes } from 'crypto';
import { startServer, type RunningServer } from '../../apps/api/src/server';
import { createTestDatabase, testMasterKey, type TestDatabase } from './test-database';

export interface TestServer {
  url: string;
  adminKey: string;
  db: TestDatabase;
  server: RunningServer;
  close(): Promise<void>;
}

/** The real server (api + worker roles) on an ephemeral port, over its own fresh database. */
export async function startTestServer(label: string, options: { roles?: string[] } = {}): Promise<TestServer> {
  const db = await createTestDatabase(label);
  const adminKey = `gaadm_test_${randomBytes(16).toString('hex')}`;
  const server = await startServerOver(db.url, adminKey, options.roles);
  return {
    url: server.url,
    adminKey,
    db,
    server,
    async close() {
      await server.close();
      await db.drop();
    },
  };
}

/** The real server on an ephemeral port over an existing database (another process may share it). */
export function startServerOver(databaseUrl: string, adminKey: string, roles = ['api', 'worker']): Promise<RunningServer> {
  return startServer({ databaseUrl, masterKey: testMasterKey, adminKey, roles, port: 0, host: '127.0.0.1', bodyLimitBytes: 1024 * 1024 });
}

/** JSON over real HTTP. */
export async function http(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

/** Creates a project and a key through the admin API; returns their ids and the raw key. */
export async function createProjectWithKey(
  t: TestServer,
  name = `Project ${randomBytes(3).toString('hex')}`,
  key: { scopes?: string[]; environment?: string } = {},
): Promise<{ projectId: string; slug: string; apiKey: string; keyId: string }> {
  const admin = { 'x-admin-key': t.adminKey };
  const p = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name } });
  if (p.status !== 201) throw new Error(`create project: ${p.status} ${JSON.stringify(p.body)}`);
  const k = await http(`${t.url}/api/v1/admin/projects/${p.body.id}/keys`, {
    headers: admin,
    body: { scopes: key.scopes ?? ['responses'], environment: key.environment ?? 'development' },
  });
  if (k.status !== 201) throw new Error(`create key: ${k.status} ${JSON.stringify(k.body)}`);
  return { projectId: p.body.id, slug: p.body.slug, apiKey: k.body.key, keyId: k.body.id };
}
