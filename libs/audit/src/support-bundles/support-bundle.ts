import { Inject, Injectable, Optional } from '@nestjs/common';
import { CLOCK, systemClock, type Clock } from '@genaug/kernel';
import type { ProjectView } from '@genaug/projects';
import { AuditLogReader, type AuditEntry } from '../audit-log/audit-log-reader';
import { redactValue } from '../redaction/redaction-policy';
import { TraceReader } from '../traces/trace-reader';
import type { TraceDetail } from '../traces/trace-views';

/** The server answering, as a support bundle records it. */
export interface ServerInfo {
  version: string;
  build: string;
}
export const SERVER_INFO = Symbol('SERVER_INFO');

export interface SupportBundle {
  object: 'support_bundle';
  bundle_version: 1;
  generated_at: string;
  server: ServerInfo & { node: string };
  project: { id: string; slug: string; name: string; timezone: string };
  ids: { response_id: string; trace_id: string; request_id: string; idempotency_key: string | null; user: string; key_id: string | null };
  request: {
    headers: { 'x-request-id': string; 'x-idempotency-key': string | null; traceparent: string | null };
    user_agent: string | null;
    /** The client library named first in the user agent (`name/version`). */
    client: { name: string; version: string } | null;
  };
  trace: TraceDetail;
  events: AuditEntry[];
  usage: unknown;
  chain: { ok: boolean; events: number; broken: unknown };
}

export function clientOf(userAgent: string | null): { name: string; version: string } | null {
  const m = userAgent ? /^([^\s/]+)\/([^\s;()]+)/.exec(userAgent.trim()) : null;
  return m ? { name: m[1], version: m[2] } : null;
}

/**
 * Everything support needs about one turn in one JSON document, redacted by the audit
 * redaction policy: it is meant to leave the project (tickets, email), unlike a trace.
 */
@Injectable()
export class SupportBundles {
  constructor(
    private readonly traces: TraceReader,
    private readonly audit: AuditLogReader,
    @Inject(SERVER_INFO) private readonly server: ServerInfo,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  /** By response id, trace id or request id; null when the project has no such turn. */
  async build(project: ProjectView, id: string): Promise<SupportBundle | null> {
    const trace = await this.traces.find(project.id, id);
    if (!trace) return null;
    const streamId = `turn-${trace.response_id}`;
    // Audit entries come redacted already; the rest is redacted here.
    const events = await this.audit.stream(project.id, streamId);
    const chain = await this.audit.verify(project.id, streamId);
    const usage = events.find((e) => e.type === 'UsageRecorded')?.data ?? null;
    return {
      object: 'support_bundle',
      bundle_version: 1,
      generated_at: this.clock.now().toISOString(),
      server: { ...this.server, node: process.version },
      project: { id: project.id, slug: project.slug, name: project.name, timezone: project.settings.timezone ?? 'UTC' },
      ids: redactValue({
        response_id: trace.response_id,
        trace_id: trace.trace_id,
        request_id: trace.request_id,
        idempotency_key: trace.idempotency_key,
        user: trace.user,
        key_id: trace.key_id,
      }),
      request: redactValue({
        headers: { 'x-request-id': trace.request_id, 'x-idempotency-key': trace.idempotency_key, traceparent: trace.traceparent },
        user_agent: trace.user_agent,
        client: clientOf(trace.user_agent),
      }),
      trace: redactValue(trace),
      events,
      usage,
      chain: { ok: chain.ok, events: chain.events, broken: chain.broken },
    };
  }
}
