import { newId } from '../ids';
import { randomBytesPooled } from '../random';

/** Ids every request carries: echoed X-Request-ID and a W3C trace continued from `traceparent`. */
export interface RequestContext {
  requestId: string;
  traceId: string;
  parentSpanId: string | null;
  traceparent: string | null;
  idempotencyKey: string | null;
  userAgent: string | null;
  receivedAt: Date;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

export function contextFromHeaders(headers: Record<string, unknown>, now = new Date()): RequestContext {
  const header = (name: string) => (typeof headers[name] === 'string' ? (headers[name] as string).trim() : null);
  const rid = header('x-request-id');
  const tp = header('traceparent')?.toLowerCase() ?? null;
  const m = tp ? TRACEPARENT.exec(tp) : null;
  const validTrace = m && m[2] !== '0'.repeat(32) && m[3] !== '0'.repeat(16);
  return {
    requestId: rid && REQUEST_ID.test(rid) ? rid : newId('req'),
    traceId: validTrace ? m![2] : randomBytesPooled(16).toString('hex'),
    parentSpanId: validTrace ? m![3] : null,
    traceparent: validTrace ? tp : null,
    idempotencyKey: header('x-idempotency-key') ?? header('idempotency-key'),
    userAgent: header('user-agent'),
    receivedAt: now,
  };
}

export const contextOf = (req: any): RequestContext => req.genaugContext ?? (req.genaugContext = contextFromHeaders(req.headers ?? {}));
