import * as fs from 'fs';
import * as path from 'path';
import { startMockServer } from '../../../libs/mock/src';
import { createProjectWithKey, startTestServer } from '../../support/test-server';

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
  close(): Promise<void>;
}

export interface TargetKind {
  name: 'mock' | 'server';
  /** The parts of the contract this target serves; the others are reported as not run. */
  parts: Part[];
  /** For `limits`: the user value that makes a turn answer the given 402/429 reason. */
  limitUser?: (reason: string) => string;
  start(label: string): Promise<Target>;
}

export const mockTarget: TargetKind = {
  name: 'mock',
  parts: ['responses', 'memory', 'usage_and_traces', 'limits'],
  limitUser: (reason) => `mock:${reason}`,
  async start() {
    const server = await startMockServer({ port: 0, quiet: true });
    return { name: 'mock', baseUrl: server.url, apiKey: 'local-test', adminKey: 'local-admin', projectId: 'mock-project', close: () => server.close() };
  },
};

/** What the API app wires today: a part runs against the real server once its module is in. */
function wiredParts(): Part[] {
  const appModule = fs.readFileSync(path.resolve(__dirname, '../../../apps/api/src/app.module.ts'), 'utf8');
  const parts: Part[] = ['responses'];
  if (/\bMemoryModule\b/.test(appModule)) parts.push('memory');
  if (/\bAuditModule\b/.test(appModule)) parts.push('usage_and_traces');
  // 402/429 need the governance slice and a way to configure a project into its limits.
  return parts;
}

export const serverTarget: TargetKind = {
  name: 'server',
  parts: wiredParts(),
  async start(label) {
    const t = await startTestServer(label);
    const { projectId, apiKey } = await createProjectWithKey(t, `Contract ${label}`);
    return { name: 'server', baseUrl: t.url, apiKey, adminKey: t.adminKey, projectId, close: () => t.close() };
  },
};

/** Says plainly which parts were not run against a target, as the suite's first output. */
export function reportNotRun(kind: TargetKind): void {
  const all: Part[] = ['responses', 'memory', 'usage_and_traces', 'limits'];
  const missing = all.filter((p) => !kind.parts.includes(p));
  if (missing.length) console.warn(`contract suite against the ${kind.name}: not run (not served yet): ${missing.join(', ')}`);
}
