import OpenAI from 'openai';
import { http, startTestServer, type TestServer } from '../../../test/support/test-server';

// GET /v1/models (the openai client's models.list and models.retrieve): what OpenAI-compatible
// tools call first, to find the names a project's requests may send as `model`.

describe('listing the models a project may name', () => {
  let t: TestServer;
  let client: OpenAI;
  let other: OpenAI;
  let created: number;

  beforeAll(async () => {
    t = await startTestServer('models_e2e');
    const admin = { 'x-admin-key': t.adminKey };
    const models = { providers: { vllm: { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1' } }, allowedModels: ['vllm/meta-llama/Llama-3.1-70B', 'openai/gpt-4.1'] };
    const project = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Models', settings: { models } } });
    created = Math.floor(new Date(project.body.created_at).getTime() / 1000);
    const key = await http(`${t.url}/api/v1/admin/projects/${project.body.id}/keys`, { headers: admin, body: { scopes: ['responses'] } });
    client = new OpenAI({ apiKey: key.body.key, baseURL: `${t.url}/v1`, maxRetries: 0 });
    const plain = await http(`${t.url}/api/v1/admin/projects`, { headers: admin, body: { name: 'Plain' } });
    const plainKey = await http(`${t.url}/api/v1/admin/projects/${plain.body.id}/keys`, { headers: admin, body: { scopes: ['responses'] } });
    other = new OpenAI({ apiKey: plainKey.body.key, baseURL: `${t.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => t.close());

  it('lists the tiers, then the tiers\' models and the allowed ones, each once', async () => {
    const listed = [];
    for await (const model of client.models.list()) listed.push(model);
    expect(listed.map((m) => [m.id, m.owned_by])).toEqual([
      ['simple', 'general-augment'],
      ['balanced', 'general-augment'],
      ['complex', 'general-augment'],
      ['local/local-simple', 'local'],
      ['local/local-balanced', 'local'],
      ['local/local-complex', 'local'],
      ['vllm/meta-llama/Llama-3.1-70B', 'vllm'],
      ['openai/gpt-4.1', 'openai'],
    ]);
    for (const m of listed) expect(m).toEqual({ id: m.id, object: 'model', created, owned_by: m.owned_by });
  });

  it('finds one by the name a request would send, slashes included; another project\'s or an unknown one is a 404', async () => {
    expect(await client.models.retrieve('balanced')).toMatchObject({ id: 'balanced', object: 'model' });
    // The client sends the slashes escaped (%2F); a plain path works too.
    expect(await client.models.retrieve('vllm/meta-llama/Llama-3.1-70B')).toMatchObject({ id: 'vllm/meta-llama/Llama-3.1-70B', owned_by: 'vllm' });
    const auth = { authorization: `Bearer ${client.apiKey}` };
    expect((await http(`${t.url}/v1/models/openai/gpt-4.1`, { headers: auth })).body).toMatchObject({ id: 'openai/gpt-4.1' });
    await expect(other.models.retrieve('openai/gpt-4.1')).rejects.toMatchObject({ status: 404 });
    await expect(client.models.retrieve('gpt-9')).rejects.toMatchObject({ status: 404 });
    expect(await http(`${t.url}/v1/models/%E0%A4%A`, { headers: auth })).toMatchObject({ status: 400, body: { error: { param: "url" } } });
    expect((await http(`${t.url}/v1/models`, {})).status).toBe(401);
  });
});
