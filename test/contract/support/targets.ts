import * as fs from 'fs';
import * as path from 'path';
import { startMockServer } from '../../../libs/mock/src';
import { randomBytes } from 'crypto';
import { createProjectWithKey, http, startTestServer } from '../../support/test-server';

// The two servers the contract suite runs against: `genaug mock` and the real server (api +
// worker over its own PostgreSQL database). The suite is the same; only how each is started,
// and which parts of the contract it serves yet, differ.

export type Part = 'responses' | 'memory' | 'usage_and_traces' | 'limits';

export interface Target {
  name: string;
  baseUrl: string;
  /** A project key (scope `responses`), sent as `Authorization: Bearer …`. */
  apiKey: string;
  /** An admin key for the project, sent as `X-Admin-Key`. */
  adminKey: string;
  projectId: string;
  /**
   * For `limits`: a key and user whose next turns run into the given 402/429 reason (within a
   * few turns: a real server counts them).
   */
  limitScenario?(reason: LimitReason): Promise<{ apiKey: string; user: string }>;
  close(): Promise<void>;
}

/** The stable reasons of the real server's governance (libs/governance). */
export const LIMIT_REASONS = [
  'rate_limit_exceeded',
  'user_rate_limit_exceeded',
  'daily_turn_limit_reached',
  'project_budget_exceeded',
  'user_budget_exceeded',
  'feature_budget_exceeded',
] as const;
export type LimitReason = (typeof LIMIT_REASONS)[number];

export interface TargetKind {
  name: 'mock' | 'server';
  /** The parts of the contract this target serves; the others are reported as not run. */
  parts: Part[];
  start(label: string): Promise<Target>;
}

export const mockTarget: TargetKind = {
  name: 'mock',
  parts: ['responses', 'memory', 'usage_and_traces', 'limits'],
  async start() {
    const server = await startMockServer({ port: 0, quiet: true });
    return {
      name: 'mock',
      baseUrl: server.url,
      apiKey: 'local-test',
      adminKey: 'local-admin',
      projectId: 'mock-project',
      // The mock's documented triggers.
      limitScenario: async (reason) => ({ apiKey: 'local-test', user: `mock:${reason}` }),
      close: () => server.close(),
    };
  },
};

/** What the API app wires today: a part runs against the real server once its module is in. */
function wiredParts(): Part[] {
  const appModule = fs.readFileSync(path.resolve(__dirname, '../../../apps/api/src/app.module.ts'), 'utf8');
  const parts: Part[] = ['responses'];
  if (/\bMemoryModule\b/.test(appModule)) parts.push('memory');
  if (/\bAuditModule\b/.test(appModule)) parts.push('usage_and_traces');
  if (/\bGovernanceModule\b/.test(appModule)) parts.push('limits');
  return parts;
}

/** Governance settings that make the second turn (or request) of a user run into each limit. */
const TIGHT: Record<LimitReason, Record<string, unknown>> = {
  rate_limit_exceeded: { requests_per_minute: 1 },
  user_rate_limit_exceeded: { user_burst: { requests: 1, window_seconds: 3600 } },
  daily_turn_limit_reached: { agent_turns_per_day: 1 },
  project_budget_exceeded: { budgets: { project: { daily_usd: 0.00001 } } },
  user_budget_exceeded: { budgets: { user: { daily_usd: 0.00001 } } },
  feature_budget_exceeded: { budgets: { feature: { daily_usd: 0.00001 } } },
};

export const serverTarget: TargetKind = {
  name: 'server',
  parts: wiredParts(),
  async start(label) {
    const t = await startTestServer(label);
    const { projectId, apiKey } = await createProjectWithKey(t, `Contract ${label}`);
    return {
      name: 'server',
      baseUrl: t.url,
      apiKey,
      adminKey: t.adminKey,
      projectId,
      // A project of its own per limit, set tight, so the rest of the suite is never limited.
      limitScenario: async (reason) => {
        const project = await http(`${t.url}/api/v1/admin/projects`, {
          headers: { 'x-admin-key': t.adminKey },
          body: { name: `Limits ${reason} ${randomBytes(3).toString('hex')}`, settings: { governance: TIGHT[reason] } },
        });
        if (project.status !== 201) throw new Error(`create project: ${project.status} ${JSON.stringify(project.body)}`);
        const key = await http(`${t.url}/api/v1/admin/projects/${project.body.id}/keys`, { headers: { 'x-admin-key': t.adminKey }, body: { scopes: ['responses'] } });
        return { apiKey: key.body.key, user: `limited-${reason}` };
      },
      close: () => t.close(),
    };
  },
};

/** Says plainly which parts were not run against a target, as the suite's first output. */
export function reportNotRun(kind: TargetKind): void {
  const all: Part[] = ['responses', 'memory', 'usage_and_traces', 'limits'];
  const missing = all.filter((p) => !kind.parts.includes(p));
  if (missing.length) console.warn(`contract suite against the ${kind.name}: not run (not served yet): ${missing.join(', ')}`);
}
