import { ERASED, Sealer } from '@genaug/event-store';
import { runCli } from '../../../apps/cli/test/support/run-cli';
import { testMasterKey } from '../../../test/support/test-database';
import { createProjectWithKey, http, startTestServer, type TestServer } from '../../../test/support/test-server';

// Purge and erasure: the user's memory leaves every read model, its text in the history becomes
// unreadable, everyone else's memory stays, and the hash chain still verifies.
describe('memory purge, user erasure and idempotent stores', () => {
  let t: TestServer;
  let a: { projectId: string; apiKey: string };
  let b: { projectId: string; apiKey: string };
  const as = (p: { apiKey: string }) => ({ authorization: `Bearer ${p.apiKey}` });
  const store = (p: { apiKey: string }, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    http(`${t.url}/v1/memory`, { headers: { ...as(p), ...headers }, body });

  beforeAll(async () => {
    t = await startTestServer('memory_erasure');
    a = await createProjectWithKey(t, 'Erasure A');
    b = await createProjectWithKey(t, 'Erasure B');
  });
  afterAll(() => t.close());

  const rowCount = async (projectId?: string, userId?: string) =>
    Number(
      (
        await t.db.pool.query(
          'select count(*) as n from genaug_memories where ($1::text is null or project_id = $1) and ($2::text is null or user_id = $2)',
          [projectId ?? null, userId ?? null],
        )
      ).rows[0].n,
    );

  /** Tables (read models and all) with a row whose text contains `needle`. */
  async function tablesContaining(needle: string): Promise<string[]> {
    const tables = await t.db.pool.query(`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
    const found: string[] = [];
    for (const { table_name } of tables.rows) {
      const hit = await t.db.pool.query(`select 1 from "${table_name}" r where r::text ilike $1 limit 1`, [`%${needle}%`]);
      if (hit.rowCount) found.push(table_name);
    }
    return found.sort();
  }

  /** Every sealed fact of a user's memory stream, unsealed with the keys as they are now. */
  async function factsInHistory(projectId: string, userId: string): Promise<string[]> {
    const sealer = new Sealer(t.db.pool, testMasterKey);
    const events = await t.db.pool.query(`select data from genaug_events where stream_id = $1 and type = 'MemoryStored' order by stream_version`, [
      `memory-${projectId}-${userId}`,
    ]);
    return Promise.all(events.rows.map((e) => sealer.unseal(e.data.fact_sealed)));
  }

  async function auditVerify() {
    const run = await runCli(['audit', 'verify', '--json'], { DATABASE_URL: t.db.url });
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout);
  }

  it('purges one user in one project and leaves every other memory intact', async () => {
    for (const i of [1, 2, 3]) expect((await store(a, { user_id: 'leaving', fact: `Zebrafinch secret number ${i}` })).status).toBe(201);
    await store(a, { user_id: 'staying', fact: 'Likes zebrafinch birds too' });
    await store(a, { user_id: 'staying', fact: 'Lives in Coimbra' });
    await store(b, { user_id: 'leaving', fact: 'Same user id, other app: zebrafinch keeper' });
    // The fact in the memory table, its words ('secret' is only in these facts) in the words index.
    expect(await tablesContaining('Zebrafinch secret')).toEqual(['genaug_memories']);
    expect(await tablesContaining('secret')).toEqual(['genaug_memories', 'genaug_memory_words']);

    const total = await rowCount();
    const staying = await rowCount(a.projectId, 'staying');
    const otherProject = await rowCount(b.projectId, 'leaving');
    expect(await rowCount(a.projectId, 'leaving')).toBe(3);

    const purge = await http(`${t.url}/v1/memory/purge`, { headers: as(a), body: { user_id: 'leaving' } });
    expect(purge.status).toBe(200);
    expect(purge.body).toEqual({ object: 'memory.purge', user_id: 'leaving', purged: true, deleted_count: 3 });

    expect(await rowCount(a.projectId, 'leaving')).toBe(0);
    expect(await rowCount()).toBe(total - 3);
    expect(await rowCount(a.projectId, 'staying')).toBe(staying);
    expect(await rowCount(b.projectId, 'leaving')).toBe(otherProject);
    expect((await http(`${t.url}/v1/memory/search`, { headers: as(a), body: { user_id: 'leaving', query: 'zebrafinch secret' } })).body.data).toEqual([]);
    expect((await http(`${t.url}/v1/memory/profile?user_id=leaving`, { headers: as(a) })).body.total).toBe(0);

    // The text is gone from every table, and the history's sealed copies no longer open.
    expect(await tablesContaining('secret')).toEqual([]);
    expect(await factsInHistory(a.projectId, 'leaving')).toEqual([ERASED, ERASED, ERASED]);
    expect(await factsInHistory(a.projectId, 'staying')).toEqual(['Likes zebrafinch birds too', 'Lives in Coimbra']);
    expect(await factsInHistory(b.projectId, 'leaving')).toEqual(['Same user id, other app: zebrafinch keeper']);
    const purged = await t.db.pool.query(`select data, metadata from genaug_events where type = 'MemoryPurged'`);
    expect(purged.rows).toHaveLength(1);
    expect(purged.rows[0].metadata).toMatchObject({ project_id: a.projectId, user: 'leaving' });

    expect(await auditVerify()).toMatchObject({ ok: true, broken: null });

    // The user can build a new memory afterwards, under a new key.
    const again = await store(a, { user_id: 'leaving', fact: 'Came back and likes tea' });
    expect(again.status).toBe(201);
    expect(await factsInHistory(a.projectId, 'leaving')).toEqual([ERASED, ERASED, ERASED, 'Came back and likes tea']);
  });

  it('erases a user through the admin API: memory and sealed turn text unreadable, UserErased records who and when', async () => {
    await store(a, { user_id: 'erased-user', fact: 'Kingfisher password hint' });
    expect(await tablesContaining('password')).toEqual(['genaug_memories', 'genaug_memory_words']);
    await store(a, { user_id: 'kept-user', fact: 'Kingfisher watcher' });
    // Turn content is sealed for the user's own subject; erasure destroys that key too.
    const sealer = new Sealer(t.db.pool, testMasterKey);
    const turnText = await sealer.seal(a.projectId, 'erased-user', 'a turn input');
    const otherUserText = await sealer.seal(a.projectId, 'kept-user', 'another input');

    const other = await createProjectWithKey(t, 'Erasure C', { scopes: ['admin'] });
    const foreign = await http(`${t.url}/api/v1/admin/projects/${a.projectId}/users/erased-user`, { method: 'DELETE', headers: { 'x-admin-key': other.apiKey } });
    expect(foreign.status).toBe(404);
    expect((await http(`${t.url}/api/v1/admin/projects/${a.projectId}/users/erased-user`, { method: 'DELETE' })).status).toBe(401);

    const res = await http(`${t.url}/api/v1/admin/projects/${a.projectId}/users/erased-user`, { method: 'DELETE', headers: { 'x-admin-key': t.adminKey } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: 'user.erasure', project_id: a.projectId, user_id: 'erased-user', erased: true, requested_by: 'admin', keys_destroyed: 2 });

    const reader = new Sealer(t.db.pool, testMasterKey);
    expect(await reader.unseal(turnText)).toBe(ERASED);
    expect(await reader.unseal(otherUserText)).toBe('another input');
    expect(await factsInHistory(a.projectId, 'erased-user')).toEqual([ERASED]);
    expect(await tablesContaining('password')).toEqual([]);
    expect(await rowCount(a.projectId, 'erased-user')).toBe(0);
    expect(await rowCount(a.projectId, 'kept-user')).toBe(1);

    const event = (await t.db.pool.query(`select stream_id, data, metadata from genaug_events where type = 'UserErased'`)).rows;
    expect(event).toHaveLength(1);
    expect(event[0].stream_id).toBe(`user-${a.projectId}-erased-user`);
    expect(event[0].data).toEqual({ user_id: 'erased-user', requested_by: 'admin', erased_at: res.body.erased_at });
    expect(event[0].metadata).toMatchObject({ project_id: a.projectId, actor: 'admin' });

    // A project admin key may erase its own project's users.
    const own = await createProjectWithKey(t, 'Erasure D', { scopes: ['responses', 'admin'] });
    await store(own, { user_id: 'x', fact: 'Something to forget' });
    const self = await http(`${t.url}/api/v1/admin/projects/${own.projectId}/users/x`, { method: 'DELETE', headers: { 'x-admin-key': own.apiKey } });
    expect(self.status).toBe(200);
    expect(self.body.requested_by).toBe(`api_key:${own.keyId}`);
    expect(await rowCount(own.projectId, 'x')).toBe(0);

    expect(await auditVerify()).toMatchObject({ ok: true });
  });

  it('stores once under 20 concurrent retries with one idempotency key', async () => {
    const body = { user_id: 'retrier', fact: 'Prefers email over phone calls', fact_type: 'preference', importance_score: 0.7, idempotency_key: 'memory-email-1' };
    const results = await Promise.all(Array.from({ length: 20 }, () => store(a, body)));
    expect(results.map((r) => r.status).sort((x, y) => x - y)).toEqual([...Array(19).fill(200), 201]);
    const ids = new Set(results.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    expect(await rowCount(a.projectId, 'retrier')).toBe(1);
    const stored = await t.db.pool.query(`select count(*)::int as n from genaug_events where stream_id = $1 and type = 'MemoryStored'`, [
      `memory-${a.projectId}-retrier`,
    ]);
    expect(stored.rows[0].n).toBe(1);

    // The same key with a different fact is refused; for another user it is another key.
    const reused = await store(a, { ...body, fact: 'Prefers phone calls' });
    expect([reused.status, reused.body.reason, reused.body.error.param]).toEqual([422, 'idempotency_key_reused', 'idempotency_key']);
    const otherUser = await store(a, { ...body, user_id: 'someone-else' });
    expect(otherUser.status).toBe(201);
    expect(otherUser.body.id).not.toBe([...ids][0]);

    // The X-Idempotency-Key header works like the body field.
    const { idempotency_key: _, ...noKey } = body;
    const first = await store(a, { ...noKey, user_id: 'header-user' }, { 'x-idempotency-key': 'hdr-1' });
    const retry = await store(a, { ...noKey, user_id: 'header-user' }, { 'x-idempotency-key': 'hdr-1' });
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect(retry.body.id).toBe(first.body.id);

    // A deleted memory is not silently stored again under its key.
    await http(`${t.url}/v1/memory/${first.body.id}`, { method: 'DELETE', headers: as(a) });
    const afterDelete = await store(a, { ...noKey, user_id: 'header-user' }, { 'x-idempotency-key': 'hdr-1' });
    expect([afterDelete.status, afterDelete.body.reason]).toEqual([409, 'memory_deleted']);

    // After a purge the key is free again: the purged claim can no longer be read.
    await http(`${t.url}/v1/memory/purge`, { headers: as(a), body: { user_id: 'retrier' } });
    const fresh = await store(a, body);
    expect(fresh.status).toBe(201);
    expect(fresh.body.id).not.toBe([...ids][0]);
    expect(await rowCount(a.projectId, 'retrier')).toBe(1);
  });
});
