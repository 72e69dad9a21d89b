import { randomBytes } from 'crypto';
import { http } from '../../support/test-server';
import { readSse } from '../../../libs/turns/test/sse';
import type { Target } from './targets';

// Raw HTTP against a target, so the suite sees status codes, headers and bodies exactly as
// an app backend does.

export type Reply = Awaited<ReturnType<typeof http>>;

export interface ContractClient {
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  del(path: string, headers?: Record<string, string>): Promise<Reply>;
  admin(path: string): Promise<Reply>;
  stream(body: Record<string, unknown>, headers?: Record<string, string>): Promise<{ response: Response; events: { event: string; data: any }[] }>;
  /** GET of a stream (GET /v1/responses/{id}?stream=true), as server-sent events. */
  getStream(path: string): Promise<{ response: Response; events: { event: string; data: any }[] }>;
  /** Polls an admin route until `ready` holds: read models on the real server follow the turn shortly after. */
  adminEventually(path: string, ready: (r: Reply) => boolean, timeoutMs?: number): Promise<Reply>;
}

export function contractClient(target: () => Target): ContractClient {
  const auth = () => ({ authorization: `Bearer ${target().apiKey}` });
  const url = (path: string) => `${target().baseUrl}${path}`;
  const client: ContractClient = {
    post: (path, body, headers = {}) => http(url(path), { method: 'POST', headers: { ...auth(), ...headers }, body }),
    get: (path, headers = {}) => http(url(path), { headers: { ...auth(), ...headers } }),
    del: (path, headers = {}) => http(url(path), { method: 'DELETE', headers: { ...auth(), ...headers } }),
    admin: (path) => http(url(`/api/v1/admin/projects/${target().projectId}${path}`), { headers: { 'x-admin-key': target().adminKey } }),
    async stream(body, headers = {}) {
      const response = await fetch(url('/v1/responses'), {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ ...body, stream: true }),
      });
      return { response, events: await readSse(response) };
    },
    async getStream(path) {
      const response = await fetch(url(path), { headers: auth() });
      return { response, events: await readSse(response) };
    },
    async adminEventually(path, ready, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const reply = await client.admin(path);
        if (ready(reply) || Date.now() > deadline) return reply;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  return client;
}

/** A user id no other test uses, so figures and memories are this test's own. */
export const uniqueUser = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;
