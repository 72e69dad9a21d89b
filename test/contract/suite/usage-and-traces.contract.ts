import { contractClient, uniqueUser } from '../support/client';
import type { Target } from '../support/targets';

// The support bridge of seed 001: the ids a response returns find its trace, and its tokens
// and cost show up in the project's usage.

export function usageAndTracesContract(target: () => Target): void {
  const api = contractClient(target);

  describe('traces and usage', () => {
    it('finds a turn’s trace by its trace id, response id and request id', async () => {
      const user = uniqueUser('trace-user');
      const res = await api.post(
        '/v1/responses',
        { model: 'balanced', user, input: 'Where is my order?', metadata: { feature: 'orders', source: 'contract' } },
        { 'x-request-id': `req_${user}` },
      );
      expect(res.status).toBe(200);
      const traceId = res.body.metadata.general_augment_trace_id;
      const trace = await api.adminEventually(`/traces/${traceId}`, (r) => r.status === 200 && r.body.status === 'completed');
      expect(trace.status).toBe(200);
      expect(trace.body).toMatchObject({
        object: 'trace',
        trace_id: traceId,
        response_id: res.body.id,
        request_id: `req_${user}`,
        status: 'completed',
        user,
        feature: 'orders',
        source: 'contract',
        requested_model: 'balanced',
        model: 'local-balanced',
        usage: { input_tokens: res.body.usage.input_tokens, output_tokens: res.body.usage.output_tokens, total_tokens: res.body.usage.total_tokens },
        cost_usd: Number(res.body.metadata.general_augment_cost_usd),
        input: { text: 'Where is my order?' },
        output: { text: 'You said: Where is my order?' },
      });
      for (const id of [res.body.id, `req_${user}`]) {
        const again = await api.admin(`/traces/${id}`);
        expect({ status: again.status, response_id: again.body.response_id }).toEqual({ status: 200, response_id: res.body.id });
      }
      const missing = await api.admin('/traces/0af7651916cd43dd8448eb211c80319c');
      expect({ status: missing.status, reason: missing.body.reason }).toEqual({ status: 404, reason: 'not_found' });
    });

    it('reports a user’s turns, tokens and cost in the project usage for today', async () => {
      const user = uniqueUser('usage-user');
      const turns: any[] = [];
      for (const input of ['First question', 'Second question']) {
        const res = await api.post('/v1/responses', { model: 'balanced', user, input, metadata: { feature: 'usage-contract' } });
        expect(res.status).toBe(200);
        turns.push(res.body);
      }
      const today = new Date().toISOString().slice(0, 10);
      const query = `/usage?start_date=${today}&end_date=${today}&group_by=user&user=${user}`;
      const usage = await api.adminEventually(query, (r) => r.status === 200 && r.body.totals.agent_turns === 2);
      expect(usage.status).toBe(200);
      const tokens = (field: string) => turns.reduce((n, t) => n + t.usage[field], 0);
      const cost = turns.reduce((n, t) => n + Number(t.metadata.general_augment_cost_usd), 0);
      expect(usage.body).toMatchObject({
        object: 'usage',
        project_id: target().projectId,
        start_date: today,
        end_date: today,
        group_by: 'user',
        data: [{ user, agent_turns: 2, messages: 4, input_tokens: tokens('input_tokens'), output_tokens: tokens('output_tokens'), errors: 0 }],
        totals: { agent_turns: 2, total_tokens: tokens('total_tokens') },
      });
      expect(usage.body.totals.cost_usd).toBeCloseTo(cost, 8);

      const byDay = await api.admin(`/usage?start_date=${today}&end_date=${today}`);
      expect(byDay.body.data).toEqual([expect.objectContaining({ day: today })]);
      const bad = await api.admin('/usage?start_date=2026-02-30');
      expect({ status: bad.status, param: bad.body.error?.param }).toEqual({ status: 400, param: 'start_date' });
    });

    it('refuses admin routes without an admin key', async () => {
      const res = await fetch(`${target().baseUrl}/api/v1/admin/projects/${target().projectId}/usage`);
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).reason).toBe('missing_admin_key');
    });
  });
}
