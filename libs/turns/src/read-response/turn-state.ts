import type { EventMetadata, StoredEvent } from '@genaug/event-store';
import type { CreateResponseRequest } from '@genaug/responses';
import type { ModelCalledData, TurnCancelledData, TurnCompletedData, TurnFailedData, TurnRequestedData, UsageRecordedData } from '../turn.events';

/** A turn's stream folded: what GET /v1/responses/{id} and idempotent retries answer from. */
export interface TurnState {
  projectId: string;
  requested: TurnRequestedData;
  createdAt: Date;
  requestId: string;
  traceId: string;
  started: number;
  modelCalls: ModelCalledData[];
  completed: TurnCompletedData | null;
  failed: TurnFailedData | null;
  cancelled: TurnCancelledData | null;
  /** DELETE /v1/responses/{id}: the API no longer finds it. */
  deleted: boolean;
  /** What the turn cost, once recorded (with its outcome, or after its cancellation). */
  usage: UsageRecordedData | null;
  version: number;
}

/** The turn's request as it was recorded; its input is sealed apart, its instructions given unsealed. */
export const recordedRequest = (state: TurnState, instructions: string | null): CreateResponseRequest =>
  ({ ...state.requested.request, input: '', instructions }) as CreateResponseRequest;

export function foldTurn(events: StoredEvent[]): TurnState | null {
  const first = events[0];
  if (!first || first.type !== 'TurnRequested') return null;
  const state: TurnState = {
    projectId: first.metadata.project_id!,
    requested: first.data,
    createdAt: first.data.created_at ? new Date(first.data.created_at) : first.recordedAt,
    requestId: first.data.request_id,
    traceId: first.data.trace_id,
    started: 0,
    modelCalls: [],
    completed: null,
    failed: null,
    cancelled: null,
    deleted: false,
    usage: null,
    version: 0,
  };
  for (const e of events) {
    state.version = e.streamVersion;
    if (e.type === 'TurnStarted') state.started = e.data.attempt;
    else if (e.type === 'ModelCalled') state.modelCalls.push(e.data);
    else if (e.type === 'TurnCompleted') state.completed = e.data;
    else if (e.type === 'TurnFailed') state.failed = e.data;
    else if (e.type === 'TurnCancelled') state.cancelled = e.data;
    else if (e.type === 'UsageRecorded') state.usage = e.data;
    else if (e.type === 'ResponseDeleted') state.deleted = true;
  }
  return state;
}

export const turnEnded = (s: TurnState): boolean => !!(s.completed || s.failed || s.cancelled);

/** The envelope of an event a turn's stream gets from outside its runner (a worker, a cancellation, a deletion). */
export const turnEventMetadata = (s: TurnState, actor?: string): EventMetadata => ({
  project_id: s.projectId,
  user: s.requested.user,
  correlation_id: s.requestId,
  causation_id: s.requested.response_id,
  trace_id: s.traceId,
  ...(actor ? { actor } : {}),
});
