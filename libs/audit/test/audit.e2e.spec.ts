import { http, startTestServer, type TestServer } from '../../../test/support/test-server';
import { startFakeOpenAI, type FakeUpstream } from '../../../test/support/upstreams';
import { tamperWithEvent } from '../../../test/support/fixtures/tampering';
import { waitUntil } from '../../event-store/test/support/read-model';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const LOOKUP_TOOL = {
  type: 'function',
  name: 'lookup_order',
  description: 'Look up an order by its number',
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
};

describe('traces, usage, audit, support bundles and metrics over HTTP', () => {
  let t: TestServer;
  let flaky: FakeUpstream;
  let root: Record<string, string>;
  const a = { id: '', admin: {} as Record<string, string>, bearer: {} as Record<string, string> };
  const b = { id: '', admin: {} as Record<string, string>, bearer: {} as Record<string, string> };
  let responsesOnly: Record<string, string>;
  let toolTurn: any;
  let textTurn: any;

  const createProject = async (name: string, slug: string, settings: unknown, label: string | null) => {
    const p = await http(`${t.url}/api/v1/admin/projects`, { headers: root, body: { name, slug, settings } });
    expect(p.status).toBe(201);
    const k = await http(`${t.url}/api/v1/admin/projects/${p.body.id}/keys`, { headers: root, body: { scopes: ['responses', 'admin'], label } });
    expect(k.status).toBe(201);
    return { id: p.body.id as string, admin: { 'x-admin-key': k.body.key }, bearer: { authorization: `Bearer ${k.body.key}` } };
  };
  const admin = (path: string, headers = a.admin) => http(`${t.url}/api/v1/admin${path}`, { headers });
  const traceOf = (id: string) => admin(`/projects/${a.id}/traces/${id}`);

  beforeAll(async () => {
    t = await startTestServer('audit_e2e');
    root = { 'x-admin-key': t.adminKey };
    // The first model of the tier answers 500 once, so the first turn records an error and a fallback.
    flaky = await startFakeOpenAI({ failFirst: { count: 1, status: 500, message: 'upstream exploded' } });
    const models = {
      providers: { flaky: { kind: 'openai', baseUrl: flaky.url, apiKey: 'k', maxRetries: 0 } },
      tiers: { balanced: ['flaky/gpt-flaky', 'local/local-balanced'] },
    };
    Object.assign(a, await createProject('Acme (ops@acme.io, +1 415-555-0134)', 'acme', { models }, 'rotated from sk-test-abcdefghijklmnop1234'));
    Object.assign(b, await createProject('Other', 'other', undefined, null));
    const k = await http(`${t.url}/api/v1/admin/projects/${a.id}/keys`, { headers: root, body: { scopes: ['responses'] } });
    responsesOnly = { 'x-admin-key': k.body.key };

    const turn = (body: unknown, headers: Record<string, string>) => http(`${t.url}/v1/responses`, { headers: { ...a.bearer, ...headers }, body });
    const first = await turn(
      {
        model: 'balanced',
        user: 'user-1',
        input: 'Please look up order 42 for jane@example.com',
        tools: [LOOKUP_TOOL],
        tool_choice: 'required',
        metadata: { feature: 'orders', source: 'app-backend' },
      },
      { 'x-idempotency-key': 'orders:user-1:1', traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`, 'user-agent': 'acme-backend/1.2.3 (node)' },
    );
    expect(first.status).toBe(200);
    toolTurn = first.body;
    const second = await turn({ model: 'balanced', user: 'user-2', input: 'Call me on +44 20 7946 0958', metadata: { feature: 'support' } }, {});
    expect(second.status).toBe(200);
    textTurn = second.body;
    await waitUntil('both turns are traced', async () => {
      const [x, y] = await Promise.all([traceOf(toolTurn.id), traceOf(textTurn.id)]);
      return x.body.status === 'completed' && y.body.status === 'completed';
    });
    await waitUntil('usage and audit have caught up', async () => {
      const states = (await admin('/projections', root)).body.data;
      return states.filter((s: any) => ['usage', 'audit-log'].includes(s.name)).every((s: any) => s.lag_events === 0);
    });
  });
  afterAll(async () => {
    await t.close();
    await flaky.close();
  });

  it('shows a real turn as a trace: request, the failed and the answering model call, the function call, completion', async () => {
    const res = await traceOf(toolTurn.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      response_id: toolTurn.id,
      trace_id: TRACE_ID,
      request_id: toolTurn.metadata.general_augment_request_id,
      user: 'user-1',
      idempotency_key: 'orders:user-1:1',
      feature: 'orders',
      source: 'app-backend',
      traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
      user_agent: 'acme-backend/1.2.3 (node)',
      counts: { model_calls: 2, model_errors: 1, function_calls: 1 },
      input: { text: 'Please look up order 42 for jane@example.com' },
    });
    expect(res.body.key_id).toMatch(/^key_/);
    expect(res.body.spans.map((s: any) => [s.kind, s.status])).toEqual([
      ['request', 'ok'],
      ['model_call', 'error'],
      ['model_call', 'ok'],
      ['function_call', 'requested'],
      ['completion', 'completed'],
    ]);
    expect(res.body.spans[1].attributes).toMatchObject({ provider: 'flaky', model: 'gpt-flaky' });
    expect(res.body.spans[1].attributes.error).toBeTruthy();
    expect(res.body.spans[2].attributes).toMatchObject({ provider: 'local', model: 'local-balanced' });
    expect(res.body.spans[3].attributes).toMatchObject({ name: 'lookup_order' });
    expect(JSON.parse(res.body.spans[3].attributes.arguments)).toHaveProperty('order_id');
    expect(res.body.cost_usd).toBe(Number(toolTurn.metadata.general_augment_cost_usd));
    // The trace is found by its W3C trace id and by the request id as well.
    expect((await traceOf(TRACE_ID)).body.response_id).toBe(toolTurn.id);
    expect((await traceOf(toolTurn.metadata.general_augment_request_id)).body.response_id).toBe(toolTurn.id);

    const list = await admin(`/projects/${a.id}/traces?feature=orders`);
    expect(list.body.data.map((x: any) => x.response_id)).toEqual([toolTurn.id]);
    expect(list.body.data[0].input).toBeUndefined();
    const bad = await admin(`/projects/${a.id}/traces?status=exploded`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('status');
  });

  it('reports usage by feature and exports the same figures as CSV', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const res = await admin(`/projects/${a.id}/usage?start_date=${today}&end_date=${today}&group_by=feature`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: 'usage', project_id: a.id, group_by: 'feature', totals: { agent_turns: 2, errors: 0 } });
    const orders = res.body.data.find((r: any) => r.feature === 'orders');
    expect(orders.input_tokens).toBe(toolTurn.usage.input_tokens);
    expect(orders.output_tokens).toBe(toolTurn.usage.output_tokens);
    expect(res.body.totals.cost_usd).toBeCloseTo(Number(toolTurn.metadata.general_augment_cost_usd) + Number(textTurn.metadata.general_augment_cost_usd), 12);

    const csv = await fetch(`${t.url}/api/v1/admin/projects/${a.id}/usage/export?start_date=${today}&end_date=${today}&group_by=feature`, { headers: a.admin });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain('attachment');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0].split(',')[0]).toBe('feature');
    const ordersLine = lines.find((l) => l.startsWith('orders,'))!.split(',');
    expect(Number(ordersLine[1])).toBe(1);
    expect(Number(ordersLine[3])).toBe(orders.input_tokens);

    const bad = await admin(`/projects/${a.id}/usage?start_date=2026-02-30`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('start_date');
  });

  it('lists the audit history in order with chain hashes, emails, phone numbers and keys redacted', async () => {
    const res = await admin(`/projects/${a.id}/audit?limit=500`);
    expect(res.status).toBe(200);
    const entries = res.body.data;
    const positions = entries.map((e: any) => e.position);
    expect(positions).toEqual([...positions].sort((x: number, y: number) => x - y));
    const created = entries.find((e: any) => e.type === 'ProjectCreated');
    expect(created).toMatchObject({ actor: 'admin', version: 1, stream_id: `project-${a.id}` });
    expect(created.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(created.data.name).toBe('Acme ([email], [phone])');
    const issued = entries.find((e: any) => e.type === 'ApiKeyIssued');
    expect(issued.data.label).toBe('rotated from [secret]');
    expect(issued.data.hash).toBe('[redacted]');
    const requested = entries.find((e: any) => e.type === 'TurnRequested' && e.stream_id === `turn-${toolTurn.id}`);
    expect(requested).toMatchObject({ correlation_id: toolTurn.metadata.general_augment_request_id, trace_id: TRACE_ID, user: 'user-1' });
    expect(requested.actor).toMatch(/^api_key:key_/);
    expect(requested.data.input_sealed).toBe('[sealed]');
    const body = JSON.stringify(res.body);
    for (const leak of ['ops@acme.io', '415-555-0134', 'sk-test-abcdefghijklmnop1234', 'jane@example.com', 'sealed:v1:']) expect(body).not.toContain(leak);

    const onlyTurn = await admin(`/projects/${a.id}/audit?stream=turn-${textTurn.id}`);
    expect(onlyTurn.body.data.map((e: any) => e.type)).toEqual(['TurnRequested', 'TurnStarted', 'ModelCalled', 'TurnCompleted', 'UsageRecorded']);
    const byType = await admin(`/projects/${a.id}/audit?type=UsageRecorded&limit=1`);
    expect(byType.body.data).toHaveLength(1);
    expect(byType.body.has_more).toBe(true);
    const next = await admin(`/projects/${a.id}/audit?type=UsageRecorded&limit=1&after=${byType.body.next_cursor}`);
    expect(next.body.data[0].position).toBeGreaterThan(byType.body.data[0].position);
    expect(next.body.has_more).toBe(false);
  });

  it('gives a redacted support bundle with the trace, events, usage, headers and server build', async () => {
    const res = await admin(`/projects/${a.id}/support-bundles/${TRACE_ID}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      object: 'support_bundle',
      project: { id: a.id },
      ids: { response_id: toolTurn.id, trace_id: TRACE_ID, idempotency_key: 'orders:user-1:1' },
      request: {
        headers: { 'x-request-id': toolTurn.metadata.general_augment_request_id, 'x-idempotency-key': 'orders:user-1:1', traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
        user_agent: 'acme-backend/1.2.3 (node)',
        client: { name: 'acme-backend', version: '1.2.3' },
      },
      trace: { response_id: toolTurn.id, input: { text: 'Please look up order 42 for [email]' } },
      usage: { feature: 'orders', outcome: 'completed' },
      chain: { ok: true, broken: null },
    });
    expect(res.body.server.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(res.body.server.build).toBeTruthy();
    expect(res.body.events.map((e: any) => e.type)).toEqual(['TurnRequested', 'TurnStarted', 'ModelCalled', 'ModelCalled', 'FunctionCallRequested', 'TurnCompleted', 'UsageRecorded']);
    expect(JSON.stringify(res.body)).not.toContain('jane@example.com');
    const phone = await admin(`/projects/${a.id}/support-bundles/${textTurn.id}`);
    expect(phone.body.trace.input.text).toBe('Call me on [phone]');
    expect((await admin(`/projects/${a.id}/support-bundles/resp_unknown`)).status).toBe(404);
  });

  it("answers 404 to another project's admin key for traces, usage, audit and bundles", async () => {
    const paths = [
      `/projects/${a.id}/traces`,
      `/projects/${a.id}/traces/${toolTurn.id}`,
      `/projects/${a.id}/usage`,
      `/projects/${a.id}/usage/export`,
      `/projects/${a.id}/audit`,
      `/projects/${a.id}/audit/verify`,
      `/projects/${a.id}/audit/tool-calls`,
      `/projects/${a.id}/support-bundles/${toolTurn.id}`,
    ];
    for (const path of paths) {
      const res = await admin(path, b.admin);
      expect([path, res.status, res.body.reason]).toEqual([path, 404, 'not_found']);
      expect((await admin(path, responsesOnly)).status).toBe(403);
    }
    // Its own project is readable, and its own traces hold nothing of the other project's.
    expect((await admin(`/projects/${b.id}/traces`, b.admin)).body.data).toEqual([]);
    expect((await admin(`/projects/${a.id}/traces/${toolTurn.id}`)).status).toBe(200);
  });

  it('verifies the chain per project, and fails on a tampered event', async () => {
    const ok = await admin(`/projects/${a.id}/audit/verify`);
    expect(ok.body).toMatchObject({ object: 'audit.verification', ok: true, broken: null });
    expect(ok.body.events).toBeGreaterThanOrEqual(12);
    await tamperWithEvent(t.db.pool, `turn-${textTurn.id}`, 1, 'model', 'complex');
    const broken = await admin(`/projects/${a.id}/audit/verify`);
    expect(broken.body).toMatchObject({ ok: false, broken: { stream_id: `turn-${textTurn.id}`, version: 1, problem: 'hash_mismatch' } });
    const oneStream = await admin(`/projects/${a.id}/audit/verify?stream=turn-${toolTurn.id}`);
    expect(oneStream.body.ok).toBe(true);
    // Another project's history is its own and still verifies.
    expect((await admin(`/projects/${b.id}/audit/verify`, b.admin)).body.ok).toBe(true);
  });

  it('lists projection status with checkpoints and lag, for the root admin only', async () => {
    const res = await admin('/projections', root);
    expect(res.status).toBe(200);
    const names = res.body.data.map((p: any) => p.name);
    expect(names).toEqual(expect.arrayContaining(['traces', 'usage', 'audit-log', 'turn-metrics']));
    const traces = res.body.data.find((p: any) => p.name === 'traces');
    expect(traces).toMatchObject({ kind: 'projection', status: 'active', lag_events: 0 });
    expect(traces.checkpoint.position).toBeGreaterThan(0);
    expect((await admin('/projections', a.admin)).status).toBe(403);
    const ready = await http(`${t.url}/health/ready`);
    expect(ready.body.checks.projections.detail.map((p: any) => p.name)).toEqual(expect.arrayContaining(['traces', 'usage', 'audit-log']));
  });

  it('exports Prometheus metrics: requests by route, turn and model-call latency, tokens, cost and projection lag', async () => {
    await waitUntil('turn metrics have counted both turns', async () => (await http(`${t.url}/metrics`)).body.includes('genaug_turns_total{status="completed"} 2'));
    const res = await fetch(`${t.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('genaug_http_requests_total{method="POST",route="/v1/responses",status="200"} 2');
    expect(text).toMatch(/genaug_http_requests_total\{method="GET",route="\/api\/v1\/admin\/projects\/:project_id\/traces\/:trace_id",status="404"\} \d+/);
    expect(text).toContain('genaug_turn_duration_seconds_count{status="completed"} 2');
    expect(text).toContain('genaug_model_call_duration_seconds_count{provider="flaky",model="gpt-flaky",outcome="error"} 1');
    expect(text).toContain('genaug_model_call_duration_seconds_count{provider="local",model="local-balanced",outcome="ok"} 1');
    const input = Number(/genaug_tokens_total\{kind="input",provider="local",model="local-balanced"\} (\d+)/.exec(text)?.[1]);
    expect(input).toBe(toolTurn.usage.input_tokens);
    expect(text).toMatch(/genaug_cost_usd_total\{provider="local",model="local-balanced"\} [0-9.e-]+/);
    expect(text).toMatch(/genaug_projection_lag_events\{consumer="traces"\} \d+/);
    expect(text).toMatch(/genaug_consumer_failing\{consumer="usage"\} 0/);
  });
});
