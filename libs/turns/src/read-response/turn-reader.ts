import { Injectable } from '@nestjs/common';
import { notFound } from '@genaug/kernel';
import { ERASED, EventNotifier, EventStore, Sealer } from '@genaug/event-store';
import { buildResponse, inputItemsPage, type InputItemsPage, type OutputItem, type ResponseObject } from '@genaug/responses';
import { turnStream } from '../turn.events';
import { foldTurn, recordedRequest, turnEnded, type TurnState } from './turn-state';

/** Our ids in a response's metadata, next to the client's own pairs. */
export function responseMetadata(state: Pick<TurnState, 'requestId' | 'traceId' | 'requested'>, model: string | null, costUsd: number | null) {
  return {
    ...state.requested.metadata,
    general_augment_request_id: state.requestId,
    general_augment_trace_id: state.traceId,
    ...(model ? { general_augment_model: model } : {}),
    ...(costUsd !== null ? { general_augment_cost_usd: costUsd.toFixed(8) } : {}),
  };
}

@Injectable()
export class TurnReader {
  constructor(
    private readonly store: EventStore,
    private readonly sealer: Sealer,
    private readonly notifier: EventNotifier,
  ) {}

  /**
   * The turn as its project sees it (another project's turn is a 404): as its events tell it, or
   * as its first `throughVersion` of them did.
   */
  async load(projectId: string, responseId: string, throughVersion?: number): Promise<TurnState> {
    const events = /^resp_[0-9a-f]{32}$/.test(responseId) ? await this.store.readStream(turnStream(responseId), { limit: throughVersion }) : null;
    const state = events ? foldTurn(events) : null;
    if (!state || state.projectId !== projectId) throw notFound('Response', 'response_id');
    return state;
  }

  /** The turn of a response the API shows: stored (not `store: false`) and not deleted; else a 404. */
  async stored(projectId: string, responseId: string): Promise<TurnState> {
    const state = await this.load(projectId, responseId);
    if (!state.requested.store || state.deleted) throw notFound('Response', 'response_id');
    return state;
  }

  async response(projectId: string, responseId: string): Promise<ResponseObject> {
    return this.toResponse(await this.stored(projectId, responseId));
  }

  /** GET /v1/responses/{id}/input_items: a page of what the stored response's model read. */
  async inputItems(projectId: string, responseId: string, query: unknown): Promise<InputItemsPage> {
    const state = await this.stored(projectId, responseId);
    return inputItemsPage(responseId, (await this.context(state)) as unknown as Record<string, unknown>[], query);
  }

  /** The output items of a finished turn, unsealed (empty when erased). */
  async output(state: TurnState): Promise<OutputItem[]> {
    if (!state.completed) return [];
    const items = await this.sealer.unsealJson<OutputItem[]>(state.completed.output_sealed);
    return items === ERASED ? [] : items;
  }

  /** The context the turn's model saw (history + input), unsealed (empty when erased). */
  async context(state: TurnState): Promise<OutputItem[]> {
    const items = await this.sealer.unsealJson<OutputItem[]>(state.requested.context_sealed);
    return items === ERASED ? [] : items;
  }

  async toResponse(state: TurnState): Promise<ResponseObject> {
    const instructions = state.requested.instructions_sealed ? await this.sealer.unseal(state.requested.instructions_sealed) : null;
    const request = recordedRequest(state, instructions);
    const status = state.cancelled
      ? 'cancelled'
      : state.completed
        ? state.completed.status
        : state.failed
          ? 'failed'
          : state.started
            ? 'in_progress'
            : 'queued';
    // A cancelled turn's cost is what its runner had spent, recorded after the cancellation.
    const usage = state.completed?.usage ?? state.failed?.usage ?? (state.cancelled ? state.usage?.usage : undefined);
    const cost = state.completed?.cost_usd ?? state.failed?.cost_usd ?? (state.cancelled ? (state.usage?.cost_usd ?? null) : null);
    const model = state.completed?.model ?? (state.cancelled ? (state.usage?.model ?? null) : null);
    return buildResponse(request, {
      id: state.requested.response_id,
      createdAt: state.createdAt,
      status,
      completedAt: state.completed ? new Date(state.completed.completed_at) : null,
      output: await this.output(state),
      usage: usage
        ? { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, cachedTokens: usage.cached_tokens, reasoningTokens: usage.reasoning_tokens }
        : null,
      error: state.failed ? { code: state.failed.error.code, message: state.failed.error.message } : null,
      incompleteReason: state.completed?.incomplete_reason ?? null,
      model: state.requested.model,
      metadata: responseMetadata(state, model, cost),
    });
  }

  /** Waits until the turn has ended (an idempotent retry of a running turn); null on timeout. */
  async waitForEnd(projectId: string, responseId: string, timeoutMs: number): Promise<TurnState | null> {
    const deadline = Date.now() + timeoutMs;
    let wake: (() => void) | null = null;
    const unsubscribe = this.notifier.subscribe(() => wake?.());
    try {
      for (;;) {
        const state = await this.load(projectId, responseId).catch(() => null);
        if (state && turnEnded(state)) return state;
        if (Date.now() >= deadline) return null;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 50);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    } finally {
      unsubscribe();
    }
  }
}
