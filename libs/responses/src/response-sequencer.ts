import { AppError, newId, systemClock, type Clock } from '@genaug/kernel';
import type { CreateResponseRequest } from './create-response.request';
import { incompleteReasonOf, type ModelFailure, type ModelStreamEvent } from './model-events';
import {
  buildResponse,
  type FunctionCallItem,
  type ItemStatus,
  type MessageItem,
  type OutputItem,
  type OutputTextPart,
  type ResponseError,
  type ResponseObject,
  type ResponseStatus,
  type TokenCounts,
} from './response-object';
import type { ResponseStreamEvent } from './stream-events';
import type { StreamStep } from './stream-steps';

// Turns model events into the specification's streaming events, in its order:
// response.created, response.in_progress, then per item output_item.added, (content_part.added,
// output_text.delta…, output_text.done, content_part.done | function_call_arguments.delta…,
// function_call_arguments.done), output_item.done, and one terminal event:
// response.completed, response.incomplete, or error + response.failed.

type Distribute<T> = T extends unknown ? Omit<T, 'sequence_number'> : never;
type Unsequenced = Distribute<ResponseStreamEvent>;

export interface ResponseSequencerOptions {
  request: CreateResponseRequest;
  responseId: string;
  /** The response's `created_at`; now when absent. */
  createdAt?: Date;
  clock?: Clock;
  /** Item ids; defaults to `msg_…` / `fc_…` UUIDv7 ids. */
  itemId?: (kind: 'msg' | 'fc') => string;
  model?: string;
  metadata?: Record<string, string>;
  /**
   * False when nobody reads the streaming events (an answer sent whole): the response is built
   * as ever, but no event, nor any snapshot an event carries, is made.
   */
  events?: boolean;
  /** Records `steps`, so the stream can be told again from the stored response (a resumable one). */
  steps?: boolean;
}

interface OpenCall {
  item: FunctionCallItem;
  index: number;
  streamed: boolean;
}

const copy = <T>(value: T): T => structuredClone(value);

export class ResponseSequencer {
  private sequence = 0;
  private readonly output: OutputItem[] = [];
  private message: { item: MessageItem; index: number } | null = null;
  private readonly calls = new Map<string, OpenCall>();
  private status: ResponseStatus = 'in_progress';
  private started = false;
  private readonly createdAt: Date;
  private completedAt: Date | null = null;
  private usage: TokenCounts | null = null;
  private error: ResponseError | null = null;
  private incompleteReason: string | null = null;
  /** What made the stream fail when it threw, for the caller's logs. */
  failureCause: unknown;
  /** How the output arrived (with the `steps` option), for the stream to be told again. */
  readonly steps: StreamStep[] | null;

  constructor(private readonly options: ResponseSequencerOptions) {
    this.createdAt = options.createdAt ?? (options.clock ?? systemClock).now();
    this.steps = options.steps ? [] : null;
  }

  /** The response as it stands now. */
  get response(): ResponseObject {
    return buildResponse(this.options.request, {
      id: this.options.responseId,
      createdAt: this.createdAt,
      status: this.status,
      completedAt: this.completedAt,
      output: copy(this.output),
      usage: this.usage,
      error: this.error,
      incompleteReason: this.incompleteReason,
      model: this.options.model,
      metadata: this.options.metadata,
    });
  }

  get finished(): boolean {
    return this.status !== 'in_progress';
  }

  /** response.created and response.in_progress; pushing an event starts the stream if needed. */
  start(): ResponseStreamEvent[] {
    if (this.started) return [];
    this.started = true;
    return [
      ...this.emit(() => ({ type: 'response.created', response: this.response })),
      ...this.emit(() => ({ type: 'response.in_progress', response: this.response })),
    ];
  }

  push(event: ModelStreamEvent): ResponseStreamEvent[] {
    if (this.finished) throw new Error(`The response already ended (${this.status}); got ${event.type}`);
    const out = this.start();
    switch (event.type) {
      case 'text.delta':
        if (event.delta) out.push(...this.textDelta(event.delta));
        break;
      case 'function_call.started':
        out.push(...this.closeMessage('completed'), ...this.openCall(event.callId, event.name));
        break;
      case 'function_call.arguments.delta':
        out.push(...this.argumentsDelta(event.callId, event.delta));
        break;
      case 'function_call.done': {
        const call = this.call(event.callId);
        out.push(...this.closeCall(call, 'completed', event.arguments));
        this.steps?.push(['c', call.index]);
        break;
      }
      case 'completed': {
        const incomplete = event.incompleteReason ?? incompleteReasonOf(event.finishReason);
        out.push(...this.closeAll(incomplete ? 'incomplete' : 'completed'));
        this.incompleteReason = incomplete;
        this.finish(incomplete ? 'incomplete' : 'completed', event.usage);
        out.push(...this.emit(() => ({ type: incomplete ? 'response.incomplete' : 'response.completed', response: this.response })));
        break;
      }
      case 'failed':
        out.push(...this.fail(event.error));
        break;
    }
    return out;
  }

  /** Adds a finished item the server produced itself (e.g. a hosted tool's function_call_output). */
  addOutputItem(item: OutputItem): ResponseStreamEvent[] {
    const out = [...this.start(), ...this.closeMessage('completed')];
    const index = this.output.push(copy(item)) - 1;
    out.push(...this.emit(() => ({ type: 'response.output_item.added', output_index: index, item: copy(item) })));
    out.push(...this.emit(() => ({ type: 'response.output_item.done', output_index: index, item: copy(item) })));
    return out;
  }

  /** Feeds a whole model stream through; a thrown error or a stream that stops short ends in response.failed. */
  async *run(events: AsyncIterable<ModelStreamEvent>): AsyncGenerator<ResponseStreamEvent> {
    yield* this.start();
    try {
      for await (const event of events) {
        yield* this.push(event);
        if (this.finished) return;
      }
    } catch (err) {
      this.failureCause = err;
      if (!this.finished) yield* this.fail(failureOf(err));
      return;
    }
    if (!this.finished) {
      yield* this.fail({ code: 'model_error', type: 'model_error', message: 'The model stream ended before the response completed' });
    }
  }

  /**
   * The response was cancelled (POST /v1/responses/{id}/cancel), while it ran or as its answer
   * arrived: the stream ends as a failure does, error (`response_cancelled`) then
   * response.failed, whose response is `cancelled` and, as it is stored, keeps no output.
   */
  cancel(): ResponseStreamEvent[] {
    const out = this.start();
    this.output.length = 0;
    this.message = null;
    this.calls.clear();
    this.error = null;
    this.completedAt = null;
    this.status = 'cancelled';
    return [
      ...out,
      ...this.emit(() => ({
        type: 'error',
        error: { type: 'invalid_request_error', code: 'response_cancelled', message: 'The response was cancelled', param: null },
      })),
      ...this.emit(() => ({ type: 'response.failed', response: this.response })),
    ];
  }

  private fail(failure: ModelFailure): ResponseStreamEvent[] {
    for (const item of this.output) if (item.status === 'in_progress') item.status = 'incomplete';
    this.message = null;
    this.calls.clear();
    this.error = { code: failure.code, message: failure.message };
    this.finish('failed');
    return [
      ...this.emit(() => ({
        type: 'error',
        error: { type: failure.type ?? 'server_error', code: failure.code, message: failure.message, param: null },
      })),
      ...this.emit(() => ({ type: 'response.failed', response: this.response })),
    ];
  }

  private finish(status: ResponseStatus, usage?: TokenCounts): void {
    this.status = status;
    if (usage) this.usage = usage;
    if (status === 'completed') this.completedAt = (this.options.clock ?? systemClock).now();
  }

  private textDelta(delta: string): ResponseStreamEvent[] {
    const out: ResponseStreamEvent[] = [];
    if (!this.message) {
      const item: MessageItem = { type: 'message', id: this.newItemId('msg'), status: 'in_progress', role: 'assistant', content: [] };
      const index = this.output.push(item) - 1;
      this.message = { item, index };
      out.push(...this.emit(() => ({ type: 'response.output_item.added', output_index: index, item: copy(item) })));
      const part: OutputTextPart = { type: 'output_text', text: '', annotations: [], logprobs: [] };
      item.content.push(part);
      out.push(...this.emit(() => ({ type: 'response.content_part.added', item_id: item.id, output_index: index, content_index: 0, part: copy(part) })));
    }
    const { item, index } = this.message;
    item.content[0].text += delta;
    this.steps?.push(['d', index, delta.length]);
    out.push(
      ...this.emit(() => ({ type: 'response.output_text.delta', item_id: item.id, output_index: index, content_index: 0, delta, logprobs: [] })),
    );
    return out;
  }

  private closeMessage(status: ItemStatus): ResponseStreamEvent[] {
    if (!this.message) return [];
    const { item, index } = this.message;
    this.message = null;
    const part = item.content[0];
    item.status = status;
    return [
      ...this.emit(() => ({ type: 'response.output_text.done', item_id: item.id, output_index: index, content_index: 0, text: part.text, logprobs: [] })),
      ...this.emit(() => ({ type: 'response.content_part.done', item_id: item.id, output_index: index, content_index: 0, part: copy(part) })),
      ...this.emit(() => ({ type: 'response.output_item.done', output_index: index, item: copy(item) })),
    ];
  }

  private openCall(callId: string, name: string): ResponseStreamEvent[] {
    if (this.calls.has(callId)) throw new Error(`Function call ${callId} was already started`);
    const item: FunctionCallItem = { type: 'function_call', id: this.newItemId('fc'), call_id: callId, name, arguments: '', status: 'in_progress' };
    const index = this.output.push(item) - 1;
    this.calls.set(callId, { item, index, streamed: false });
    this.steps?.push(['o', index]);
    return this.emit(() => ({ type: 'response.output_item.added', output_index: index, item: copy(item) }));
  }

  private call(callId: string): OpenCall {
    const call = this.calls.get(callId);
    if (!call) throw new Error(`Function call ${callId} was not started`);
    return call;
  }

  private argumentsDelta(callId: string, delta: string): ResponseStreamEvent[] {
    const call = this.call(callId);
    if (!delta) return [];
    call.item.arguments += delta;
    call.streamed = true;
    this.steps?.push(['d', call.index, delta.length]);
    return this.emit(() => ({ type: 'response.function_call_arguments.delta', item_id: call.item.id, output_index: call.index, delta }));
  }

  private closeCall(call: OpenCall, status: ItemStatus, finalArguments?: string): ResponseStreamEvent[] {
    const out: ResponseStreamEvent[] = [];
    const { item, index } = call;
    // Clients look for at least one arguments delta, even when the provider sent the arguments whole.
    if (!call.streamed && finalArguments) out.push(...this.argumentsDelta(item.call_id, finalArguments));
    if (finalArguments !== undefined) item.arguments = finalArguments;
    this.calls.delete(item.call_id);
    item.status = status;
    out.push(...this.emit(() => ({ type: 'response.function_call_arguments.done', item_id: item.id, output_index: index, arguments: item.arguments })));
    out.push(...this.emit(() => ({ type: 'response.output_item.done', output_index: index, item: copy(item) })));
    return out;
  }

  private closeAll(status: ItemStatus): ResponseStreamEvent[] {
    // In output order, so an item left incomplete is the last one closed.
    const open: { index: number; close: () => ResponseStreamEvent[] }[] = [...this.calls.values()].map((call) => ({
      index: call.index,
      close: () => this.closeCall(call, status),
    }));
    if (this.message) open.push({ index: this.message.index, close: () => this.closeMessage(status) });
    return open.sort((a, b) => a.index - b.index).flatMap((entry) => entry.close());
  }

  private newItemId(kind: 'msg' | 'fc'): string {
    return this.options.itemId ? this.options.itemId(kind) : newId(kind);
  }

  /** The event `make` builds, numbered; none when events are off (`make` is not even called). */
  private emit(make: () => Unsequenced): ResponseStreamEvent[] {
    if (this.options.events === false) return [];
    // `type` and `sequence_number` first, as the specification's examples print them.
    const { type, ...payload } = make();
    return [{ type, sequence_number: this.sequence++, ...payload } as ResponseStreamEvent];
  }
}

/** A thrown error as a stream failure: our own errors keep their reason, anything else stays generic. */
export function failureOf(err: unknown): ModelFailure {
  if (err instanceof AppError) return { code: err.reason, message: err.message, type: err.type };
  return { code: 'model_error', type: 'model_error', message: 'The model failed while generating the response' };
}
