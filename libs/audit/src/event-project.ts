import type { StoredEvent } from '@genaug/event-store';

/** The project an event belongs to: the stream's project, else the envelope's. */
export const projectIdOf = (e: StoredEvent): string | null => e.projectId ?? e.metadata?.project_id ?? null;
