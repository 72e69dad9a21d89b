import { AppError, ManualClock } from '@genaug/kernel';
import {
  parseCreateResponseRequest,
  ResponseSequencer,
  type ModelStreamEvent,
  type ResponseStreamEvent,
} from '@genaug/responses';
import type { ModelStreamEvent as ProviderStreamEvent } from '@genaug/models';
import { specFunctionCall, specItem, specMessage, specResponse } from './spec-shapes';

// A provider's stream feeds the sequencer without an adapter (checked by `npm run typecheck`).
export const providerEventsFit = (event: ProviderStreamEvent): ModelStreamEvent => event;

const request = parseCreateResponseRequest({ model: 'balanced', input: 'Count to three', user: 'app-user-1' });

function sequencer(clock = new ManualClock(new Date('2026-03-01T10:00:00Z')), events = true) {
  let n = 0;
  return new ResponseSequencer({ request, responseId: 'resp_1', clock, itemId: (kind) => `${kind}_${++n}`, events });
}

async function* from(events: ModelStreamEvent[], thenThrow?: unknown): AsyncGenerator<ModelStreamEvent> {
  for (const event of events) yield event;
  if (thenThrow) throw thenThrow;
}

async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const out: ResponseStreamEvent[] = [];
  for await (const event of stream) out.push(JSON.parse(JSON.stringify(event)));
  return out;
}

const byType = <T extends ResponseStreamEvent['type']>(events: ResponseStreamEvent[], type: T) =>
  events.filter((e): e is Extract<ResponseStreamEvent, { type: T }> => e.type === type);

/** Every event is numbered 0, 1, 2… and every response snapshot and item is spec-shaped. */
function expectWellFormed(events: ResponseStreamEvent[]) {
  expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  for (const event of events) {
    if ('response' in event) specResponse.parse(event.response);
    if ('item' in event) specItem.parse(event.item);
  }
}

describe('ResponseSequencer', () => {
  it('streams a text answer in the specification order', async () => {
    const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
    const seq = sequencer(clock);
    const model = (async function* (): AsyncGenerator<ModelStreamEvent> {
      yield { type: 'text.delta', delta: 'one, ' };
      yield { type: 'text.delta', delta: 'two, ' };
      yield { type: 'text.delta', delta: 'three' };
      clock.advance(2000);
      yield { type: 'completed', usage: { inputTokens: 10, outputTokens: 3 } };
    })();
    const events = await collect(seq.run(model));

    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expectWellFormed(events);

    const [created, inProgress] = events;
    expect(created).toMatchObject({ response: { id: 'resp_1', status: 'in_progress', output: [], usage: null, completed_at: null, user: 'app-user-1' } });
    expect(inProgress).toMatchObject({ response: { status: 'in_progress' } });
    expect(events[2]).toEqual({
      type: 'response.output_item.added',
      sequence_number: 2,
      output_index: 0,
      item: { type: 'message', id: 'msg_1', status: 'in_progress', role: 'assistant', content: [] },
    });
    expect(events[3]).toEqual({
      type: 'response.content_part.added',
      sequence_number: 3,
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
    });
    expect(byType(events, 'response.output_text.delta').map((e) => [e.item_id, e.output_index, e.content_index, e.delta])).toEqual([
      ['msg_1', 0, 0, 'one, '],
      ['msg_1', 0, 0, 'two, '],
      ['msg_1', 0, 0, 'three'],
    ]);
    expect(byType(events, 'response.output_text.done')[0]).toMatchObject({ item_id: 'msg_1', content_index: 0, text: 'one, two, three' });
    expect(byType(events, 'response.content_part.done')[0].part).toEqual({ type: 'output_text', text: 'one, two, three', annotations: [], logprobs: [] });
    const done = byType(events, 'response.output_item.done')[0];
    expect(specMessage.parse(done.item)).toMatchObject({ status: 'completed', content: [{ text: 'one, two, three' }] });

    const completed = byType(events, 'response.completed')[0].response;
    expect(completed).toMatchObject({
      status: 'completed',
      created_at: 1772359200,
      completed_at: 1772359202,
      usage: { input_tokens: 10, output_tokens: 3, total_tokens: 13 },
      output: [done.item],
    });
    expect(seq.finished).toBe(true);
    expect(seq.response).toEqual(completed);
  });

  it('streams a function call with its arguments, then completes', async () => {
    const events = await collect(
      sequencer().run(
        from([
          { type: 'function_call.started', callId: 'call_a', name: 'get_weather' },
          { type: 'function_call.arguments.delta', callId: 'call_a', delta: '{"location":' },
          { type: 'function_call.arguments.delta', callId: 'call_a', delta: '"Oslo"}' },
          { type: 'function_call.done', callId: 'call_a' },
          { type: 'completed', usage: { inputTokens: 20, outputTokens: 8 } },
        ]),
      ),
    );
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expectWellFormed(events);
    expect(events[2]).toMatchObject({
      output_index: 0,
      item: { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'get_weather', arguments: '', status: 'in_progress' },
    });
    expect(byType(events, 'response.function_call_arguments.delta').map((e) => [e.item_id, e.output_index, e.delta])).toEqual([
      ['fc_1', 0, '{"location":'],
      ['fc_1', 0, '"Oslo"}'],
    ]);
    expect(byType(events, 'response.function_call_arguments.done')[0]).toMatchObject({ item_id: 'fc_1', arguments: '{"location":"Oslo"}' });
    const item = specFunctionCall.parse(byType(events, 'response.output_item.done')[0].item);
    expect(item).toEqual({ type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'get_weather', arguments: '{"location":"Oslo"}', status: 'completed' });
    expect(byType(events, 'response.completed')[0].response.output).toEqual([item]);
  });

  it('closes a text message before a function call and numbers the items in order', async () => {
    const events = await collect(
      sequencer().run(
        from([
          { type: 'text.delta', delta: 'Let me check.' },
          { type: 'function_call.started', callId: 'call_a', name: 'lookup' },
          // Arguments that arrive whole still produce one delta, which clients look for.
          { type: 'function_call.done', callId: 'call_a', arguments: '{"id":7}' },
          { type: 'completed' },
        ]),
      ),
    );
    expectWellFormed(events);
    expect(events.map((e) => `${e.type}${'output_index' in e ? `#${e.output_index}` : ''}`)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added#0',
      'response.content_part.added#0',
      'response.output_text.delta#0',
      'response.output_text.done#0',
      'response.content_part.done#0',
      'response.output_item.done#0',
      'response.output_item.added#1',
      'response.function_call_arguments.delta#1',
      'response.function_call_arguments.done#1',
      'response.output_item.done#1',
      'response.completed',
    ]);
    expect(byType(events, 'response.function_call_arguments.delta')[0].delta).toBe('{"id":7}');
    expect(byType(events, 'response.completed')[0].response.output.map((i) => i.id)).toEqual(['msg_1', 'fc_2']);
  });

  it('adds server-produced items whole and keeps sequencing across model calls', () => {
    const seq = sequencer();
    const events = [
      ...seq.push({ type: 'function_call.started', callId: 'call_a', name: 'lookup' }),
      ...seq.push({ type: 'function_call.done', callId: 'call_a', arguments: '{}' }),
      ...seq.addOutputItem({ type: 'function_call_output', id: 'fco_1', call_id: 'call_a', output: '{"found":true}', status: 'completed' }),
      ...seq.push({ type: 'text.delta', delta: 'Found it.' }),
      ...seq.push({ type: 'completed', usage: { inputTokens: 30, outputTokens: 9 } }),
    ];
    expectWellFormed(events);
    expect(events.map((e) => e.type).slice(6, 8)).toEqual(['response.output_item.added', 'response.output_item.done']);
    expect(seq.response.output.map((i) => i.type)).toEqual(['function_call', 'function_call_output', 'message']);
    expect(() => seq.push({ type: 'text.delta', delta: 'late' })).toThrow(/already ended/);
  });

  it('ends a failed model call with error then response.failed', async () => {
    const events = await collect(
      sequencer().run(
        from([
          { type: 'text.delta', delta: 'Partial' },
          { type: 'failed', error: { code: 'upstream_timeout', message: 'The model provider timed out', type: 'model_error' } },
          { type: 'text.delta', delta: 'ignored' },
        ]),
      ),
    );
    expectWellFormed(events);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'error',
      'response.failed',
    ]);
    expect(byType(events, 'error')[0]).toEqual({
      type: 'error',
      sequence_number: 5,
      error: { type: 'model_error', code: 'upstream_timeout', message: 'The model provider timed out', param: null },
    });
    expect(byType(events, 'response.failed')[0].response).toMatchObject({
      status: 'failed',
      error: { code: 'upstream_timeout', message: 'The model provider timed out' },
      completed_at: null,
      usage: null,
      output: [{ id: 'msg_1', status: 'incomplete', content: [{ text: 'Partial' }] }],
    });
  });

  it('turns a thrown error into a failure, keeping our reasons and hiding anything else', async () => {
    const ours = sequencer();
    const fromAppError = await collect(ours.run(from([], new AppError(402, 'budget_exceeded', 'Project budget reached'))));
    expect(fromAppError.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'error', 'response.failed']);
    expect(byType(fromAppError, 'error')[0].error).toEqual({ type: 'insufficient_quota', code: 'budget_exceeded', message: 'Project budget reached', param: null });

    const theirs = sequencer();
    const cause = new Error('socket hang up at 10.0.0.5');
    const fromCrash = await collect(theirs.run(from([{ type: 'text.delta', delta: 'x' }], cause)));
    expectWellFormed(fromCrash);
    expect(byType(fromCrash, 'error')[0].error).toMatchObject({ code: 'model_error', message: 'The model failed while generating the response' });
    expect(theirs.failureCause).toBe(cause);
    expect(theirs.response.status).toBe('failed');
  });

  it('fails a model stream that stops without a terminal event', async () => {
    const events = await collect(sequencer().run(from([{ type: 'text.delta', delta: 'x' }])));
    expect(events.slice(-2).map((e) => e.type)).toEqual(['error', 'response.failed']);
    expect(byType(events, 'response.failed')[0].response.error).toMatchObject({ code: 'model_error' });
  });

  it('ends a truncated answer with response.incomplete and incomplete items', async () => {
    const events = await collect(
      sequencer().run(
        from([
          { type: 'text.delta', delta: 'A very long' },
          { type: 'completed', finishReason: 'length', usage: { inputTokens: 5, outputTokens: 16 } },
        ]),
      ),
    );
    expectWellFormed(events);
    expect(events.slice(-4).map((e) => e.type)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.incomplete',
    ]);
    expect(byType(events, 'response.output_item.done')[0].item.status).toBe('incomplete');
    expect(byType(events, 'response.incomplete')[0].response).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      completed_at: null,
      usage: { output_tokens: 16 },
    });
  });

  it.each([
    ['content_filter', 'response.incomplete', 'content_filter'],
    ['tool_calls', 'response.completed', null],
    ['stop', 'response.completed', null],
  ] as const)('maps finish reason %s to %s', (finishReason, terminal, reason) => {
    const seq = sequencer();
    const events = [...seq.push({ type: 'text.delta', delta: 'x' }), ...seq.push({ type: 'completed', finishReason })];
    expect(events.at(-1)?.type).toBe(terminal);
    expect(seq.response.incomplete_details).toEqual(reason ? { reason } : null);
  });

  it('ends incomplete for a reason of the server own, whatever the finish reason', () => {
    const seq = sequencer();
    const events = [
      ...seq.push({ type: 'text.delta', delta: '{"seat":' }),
      ...seq.push({ type: 'completed', finishReason: 'stop', incompleteReason: 'invalid_structured_output' }),
    ];
    expect(events.at(-1)?.type).toBe('response.incomplete');
    expect(seq.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'invalid_structured_output' }, output: [{ status: 'incomplete' }] });
  });

  it('never changes an event after emitting it', () => {
    const seq = sequencer();
    const added = seq.push({ type: 'text.delta', delta: 'a' });
    const snapshot = JSON.stringify(added);
    seq.push({ type: 'text.delta', delta: 'b' });
    seq.push({ type: 'completed' });
    expect(JSON.stringify(added)).toBe(snapshot);
  });

  it('refuses arguments for a call that was never started', () => {
    expect(() => sequencer().push({ type: 'function_call.arguments.delta', callId: 'nope', delta: '{}' })).toThrow(/not started/);
  });

  it('builds the same response without any event for an answer sent whole', async () => {
    const model: ModelStreamEvent[] = [
      { type: 'text.delta', delta: 'One, ' },
      { type: 'text.delta', delta: 'two.' },
      { type: 'function_call.started', callId: 'call_1', name: 'count' },
      { type: 'function_call.done', callId: 'call_1', name: 'count', arguments: '{"to":3}' },
      { type: 'completed', usage: { inputTokens: 4, outputTokens: 3 }, finishReason: 'tool_calls' },
    ];
    const streamed = sequencer();
    const whole = sequencer(undefined, false);
    expect((await collect(streamed.run(from(model)))).length).toBeGreaterThan(5);
    expect(await collect(whole.run(from(model)))).toEqual([]);
    expect(whole.response).toEqual(streamed.response);
    specResponse.parse(whole.response);
  });
});
