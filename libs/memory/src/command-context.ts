import type { EventMetadata } from '@genaug/event-store';

/** Who issued a memory command and in which request, for the events' envelope. */
export interface CommandContext {
  actor: string;
  requestId?: string;
  traceId?: string;
}

export const memoryEventMetadata = (projectId: string, userId: string, c: CommandContext): EventMetadata => ({
  project_id: projectId,
  user: userId,
  actor: c.actor,
  ...(c.requestId ? { correlation_id: c.requestId } : {}),
  ...(c.traceId ? { trace_id: c.traceId } : {}),
});
