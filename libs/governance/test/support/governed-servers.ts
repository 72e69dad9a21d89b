import { randomBytes } from 'crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '@genaug/kernel';
import { startServer, type RunningServer } from '../../../../apps/api/src/server';
import { createTestDatabase, testMasterKey, type TestDatabase } from '../../../../test/support/test-database';
import { http } from '../../../../test/support/test-server';

export { http };

/** API processes sharing one fresh database (each hosts the api and worker roles) and a clock. */
export interface Replicas {
  db: TestDatabase;
  urls: string[];
  servers: RunningServer[];
  adminKey: string;
  close(): Promise<void>;
}

export async function startReplicas(label: string, count: number, clock: Clock): Promise<Replicas> {
  const db = await createTestDatabase(label);
  const adminKey = `gaadm_test_${randomBytes(16).toString('hex')}`;
  const servers: RunningServer[] = [];
  for (let i = 0; i < count; i++) {
    servers.push(
      await startServer({
        databaseUrl: db.url,
        masterKey: testMasterKey,
        adminKey,
        roles: ['api', 'worker'],
        port: 0,
        host: '127.0.0.1',
        bodyLimitBytes: 1024 * 1024,
        clock,
      }),
    );
  }
  return {
    db,
    urls: servers.map((s) => s.url),
    servers,
    adminKey,
    async close() {
      for (const s of servers) await s.close();
      await db.drop();
    },
  };
}

/** A project created with its settings through the admin API, and a key for /v1. */
export async function createProject(r: Replicas, settings: Record<string, unknown>): Promise<{ projectId: string; apiKey: string }> {
  const admin = { 'x-admin-key': r.adminKey };
  const p = await http(`${r.urls[0]}/api/v1/admin/projects`, { headers: admin, body: { name: `Governed ${randomBytes(3).toString('hex')}`, settings } });
  if (p.status !== 201) throw new Error(`create project: ${p.status} ${JSON.stringify(p.body)}`);
  const k = await http(`${r.urls[0]}/api/v1/admin/projects/${p.body.id}/keys`, { headers: admin, body: { scopes: ['responses', 'admin'] } });
  if (k.status !== 201) throw new Error(`create key: ${k.status} ${JSON.stringify(k.body)}`);
  return { projectId: p.body.id, apiKey: k.body.key };
}

export { waitFor } from '../../../../test/support/wait-for';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A webhook receiver on a real local port: answers `failing` requests with 503, then 200. */
export async function startReceiver(): Promise<{ url: string; received: ReceivedWebhook[]; failNext(n: number): void; close(): Promise<void> }> {
  const received: ReceivedWebhook[] = [];
  let failing = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = failing > 0 ? 503 : 200;
      if (failing > 0) failing--;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? '{"ok":true}' : '{"error":"unavailable"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/general-augment/usage`,
    received,
    failNext: (n) => (failing = n),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
