import { z } from 'zod';
import { EventStore, registerEvents, Sealer, SubscriptionHost } from '@genaug/event-store';
import { newId } from '@genaug/kernel';
import { auditProjections } from '../src/audit.projections';
import { ToolCallAuditReader } from '../src/audit-log/tool-call-audit-reader';
import { waitUntil } from '../../event-store/test/support/read-model';
import { createTestDatabase, testMasterKey, type TestDatabase } from '../../../test/support/test-database';
import { appendTurn } from './support/turn-log';

// Stand-ins for the tools and approvals slices' events, named the way their read models expect.
registerEvents({
  ToolCallProbeRequested: z.object({ tool_call_id: z.string(), response_id: z.string(), tool_id: z.string(), risk_level: z.string(), input: z.unknown() }),
  ToolCallProbeFinished: z.object({ tool_call_id: z.string(), response_id: z.string(), outcome: z.string() }),
  ApprovalProbeResolved: z.object({ tool_call_id: z.string(), response_id: z.string(), approval_id: z.string(), status: z.string() }),
});

/** Every row of every table of a projection, in one fixed order (the rows' text). */
async function snapshot(db: TestDatabase, tables: string[]): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of tables) out[table] = (await db.pool.query(`select * from ${table} t order by t::text`)).rows;
  return out;
}

describe('rebuilding the audit read models', () => {
  let db: TestDatabase;
  let host: SubscriptionHost;
  let sealer: Sealer;
  const projects = [newId('proj'), newId('proj')];

  beforeAll(async () => {
    db = await createTestDatabase('audit_rebuild');
    const store = new EventStore(db.pool);
    sealer = new Sealer(db.pool, testMasterKey);
    // Live: odd-sized batches while events arrive. Rebuild: the host's large batches.
    host = new SubscriptionHost(db.pool, null, { batchSize: 7, pollMs: 5 });
    for (const p of auditProjections) host.addProjection(p);
    await host.setup();
    host.start();
    for (let i = 0; i < 60; i++) {
      const projectId = projects[i % 2];
      const turn = await appendTurn(store, sealer, {
        projectId,
        user: `user-${i % 4}`,
        feature: i % 3 ? 'support' : null,
        day: i % 2 ? '2026-05-01' : '2026-05-02',
        modelCalls: i % 5 ? [{}] : [{ outcome: 'error', error: 'boom', costUsd: 0 }, { provider: 'anthropic', costUsd: 0.0021 }],
        functionCalls: i % 4 === 0 ? [{ name: 'lookup', arguments: `{"n":${i}}` }] : undefined,
        failure: i % 11 === 0 ? { code: 'model_error', message: 'boom', statusCode: 502 } : undefined,
      });
      if (i % 6 === 0) {
        const meta = { project_id: projectId, user: `user-${i % 4}`, actor: 'system' };
        const toolCallId = `tc_${i}`;
        await store.append(`toolcall-${toolCallId}`, [
          { type: 'ToolCallProbeRequested', data: { tool_call_id: toolCallId, response_id: turn.responseId, tool_id: 'email_send', risk_level: 'high', input: { to: 'a@b.io' } }, metadata: meta },
        ]);
        await store.append(`approval-${toolCallId}`, [
          { type: 'ApprovalProbeResolved', data: { tool_call_id: toolCallId, response_id: turn.responseId, approval_id: `appr_${i}`, status: 'approved' }, metadata: meta },
        ]);
        await store.append(`toolcall-${toolCallId}`, [
          { type: 'ToolCallProbeFinished', data: { tool_call_id: toolCallId, response_id: turn.responseId, outcome: 'succeeded' }, metadata: meta },
        ]);
      }
    }
    await waitUntil('every projection has caught up', async () => (await host.states()).every((s) => s.lagEvents === 0));
    await host.stop();
  });
  afterAll(() => db.drop());

  it.each(auditProjections.map((p) => [p.name, p]))('%s: a rebuild from the log equals the live read model', async (_name, projection) => {
    const live = await snapshot(db, projection.tables);
    for (const rows of Object.values(live)) expect(rows.length).toBeGreaterThan(0);
    const done = await host.rebuild(projection.name);
    expect(done.handled).toBeGreaterThan(0);
    expect(await snapshot(db, projection.tables)).toEqual(live);
  });

  it('fills tool-call audit rows from tool-call and approval events, input redacted, newest first', async () => {
    const reader = new ToolCallAuditReader(db.pool, sealer);
    const first = await reader.list(projects[0], { limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.data[0]).toMatchObject({
      object: 'audit.tool_call',
      tool_id: 'email_send',
      risk_level: 'high',
      approval: 'approved',
      outcome: 'succeeded',
      input_summary: '{"to":"[email]"}',
    });
    const rest = await reader.list(projects[0], { limit: 50, after: first.next_cursor! });
    const ids = [...first.data, ...rest.data].map((r) => r.tool_call_id);
    // Tool calls every sixth turn, and the even turns belong to the first project.
    expect(ids).toEqual(['tc_54', 'tc_48', 'tc_42', 'tc_36', 'tc_30', 'tc_24', 'tc_18', 'tc_12', 'tc_6', 'tc_0']);
    expect((await reader.list(projects[0], { limit: 50, tool_id: 'other' })).data).toEqual([]);
    expect((await reader.list(projects[1], { limit: 50 })).data).toEqual([]);
  });
});
