import { createProjectWithKey, http, startTestServer, type TestServer } from '../../../test/support/test-server';

describe('projects and API keys over HTTP', () => {
  let t: TestServer;
  let admin: Record<string, string>;
  beforeAll(async () => {
    t = await startTestServer('projects_e2e');
    admin = { 'x-admin-key': t.adminKey };
  });
  afterAll(() => t.close());

  it('creates, gets (by id and slug), lists and updates a project', async () => {
    const created = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Support Desk', settings: { timezone: 'Europe/Paris' } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'project', name: 'Support Desk', slug: 'support-desk', settings: { timezone: 'Europe/Paris' } });
    expect(created.body.id).toMatch(/^proj_[0-9a-f]{32}$/);

    expect((await http(`${t.url}/api/v1/admin/projects/${created.body.id}`, { headers: admin })).body.name).toBe('Support Desk');
    expect((await http(`${t.url}/api/v1/admin/projects/support-desk`, { headers: admin })).body.id).toBe(created.body.id);

    const list = await http(`${t.url}/api/v1/admin/projects`, { headers: admin });
    expect(list.body.data.map((p: any) => p.id)).toContain(created.body.id);

    const updated = await http(`${t.url}/api/v1/admin/projects/${created.body.id}`, {
      method: 'PATCH',
      headers: admin,
      body: { name: 'Support', slug: 'support', settings: { plan: 'pro' } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Support', slug: 'support', settings: { timezone: 'Europe/Paris', plan: 'pro' } });
    // The old slug is released and can be taken by another project.
    const reuse = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Other', slug: 'support-desk' } });
    expect(reuse.status).toBe(201);
    const taken = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Dup', slug: 'support' } });
    expect(taken.status).toBe(409);
    expect(taken.body.reason).toBe('slug_taken');
  });

  it('names the offending field on a bad body, and refuses unknown settings', async () => {
    const missing = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error.param).toBe('name');
    const badTz = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'x', settings: { timezone: 'Mars/Base' } } });
    expect(badTz.status).toBe(400);
    expect(badTz.body.error.param).toBe('settings.timezone');
    const unknown = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'x', settings: { colour: 'red' } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.param).toBe('settings.colour');
    const badJson = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: '{"name":' });
    expect(badJson.status).toBe(400);
    const badKey = await http(`${t.url}/api/v1/admin/projects/${(await createProjectWithKey(t)).projectId}/keys`, {
      headers: admin,
      body: { scopes: ['everything'] },
    });
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.param).toBe('scopes[0]');
  });

  it('issues a key shown once, stores only its hash, and a revoked key is a 401', async () => {
    const { projectId, apiKey, keyId } = await createProjectWithKey(t, 'Keys', { scopes: ['responses', 'admin'], environment: 'staging' });
    expect(apiKey).toMatch(/^ga_stg_[0-9a-f]{24}_[0-9a-f]{40}$/);
    const stored = await t.db.pool.query('select data from genaug_events where type = $1 and data->>$2 = $3', ['ApiKeyIssued', 'key_id', keyId]);
    expect(JSON.stringify(stored.rows)).not.toContain(apiKey.slice(-40));

    const keys = await http(`${t.url}/api/v1/admin/projects/${projectId}/keys`, { headers: admin });
    expect(keys.body.data).toHaveLength(1);
    expect(keys.body.data[0]).toMatchObject({ id: keyId, environment: 'staging', scopes: ['responses', 'admin'], revoked_at: null });
    expect(keys.body.data[0].key).toBeUndefined();

    const asKey = { 'x-admin-key': apiKey };
    expect((await http(`${t.url}/api/v1/admin/projects/${projectId}`, { headers: asKey })).status).toBe(200);

    const revoked = await http(`${t.url}/api/v1/admin/projects/${projectId}/keys/${keyId}`, { method: 'DELETE', headers: admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    const after = await http(`${t.url}/api/v1/admin/projects/${projectId}`, { headers: asKey });
    expect(after.status).toBe(401);
    expect(after.body.reason).toBe('api_key_revoked');
  });

  it('keeps projects apart: another project through a project admin key is a 404', async () => {
    const a = await createProjectWithKey(t, 'Tenant A', { scopes: ['admin'] });
    const b = await createProjectWithKey(t, 'Tenant B', { scopes: ['admin'] });
    const asA = { 'x-admin-key': a.apiKey };
    expect((await http(`${t.url}/api/v1/admin/projects/${a.projectId}`, { headers: asA })).status).toBe(200);
    expect((await http(`${t.url}/api/v1/admin/projects/${b.projectId}`, { headers: asA })).status).toBe(404);
    expect((await http(`${t.url}/api/v1/admin/projects/${b.slug}`, { headers: asA })).status).toBe(404);
    expect((await http(`${t.url}/api/v1/admin/projects/${b.projectId}/keys`, { headers: asA })).status).toBe(404);
    expect((await http(`${t.url}/api/v1/admin/projects/${b.projectId}/keys/${b.keyId}`, { method: 'DELETE', headers: asA })).status).toBe(404);
    const list = await http(`${t.url}/api/v1/admin/projects`, { headers: asA });
    expect(list.body.data.map((p: any) => p.id)).toEqual([a.projectId]);
    // A project key cannot create projects, and a responses-only key is not an admin key.
    expect((await http(`${t.url}/api/v1/admin/projects`, { headers: asA, body: { name: 'x' } })).status).toBe(403);
    const c = await createProjectWithKey(t, 'Tenant C', { scopes: ['responses'] });
    expect((await http(`${t.url}/api/v1/admin/projects/${c.projectId}`, { headers: { 'x-admin-key': c.apiKey } })).status).toBe(403);
  });

  it('answers 401 without or with a wrong admin key, and echoes X-Request-ID', async () => {
    const none = await http(`${t.url}/api/v1/admin/projects`);
    expect(none.status).toBe(401);
    expect(none.body.reason).toBe('missing_admin_key');
    const wrong = await http(`${t.url}/api/v1/admin/projects`, { headers: { 'x-admin-key': 'not-a-key', 'x-request-id': 'req_app_123' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('x-request-id')).toBe('req_app_123');
    expect(none.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('reports readiness with its parts', async () => {
    const ready = await http(`${t.url}/health/ready`);
    expect({ status: ready.status, body: ready.status === 200 ? null : ready.body }).toEqual({ status: 200, body: null });
    expect(ready.body.checks).toMatchObject({ database: { ok: true }, migrations: { ok: true }, consumers: { ok: true } });
    expect((await http(`${t.url}/health/live`)).body.status).toBe('ok');
  });
});
