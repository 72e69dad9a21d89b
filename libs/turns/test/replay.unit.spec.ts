import { parseCreateResponseRequest, ResponseSequencer, type ModelStreamEvent, type ResponseStreamEvent } from '@genaug/responses';
import { replayStream, streamAfter } from '../src/request-turn/replay';
import { PieceAssembler, pieceResponseId, toPieces } from '../src/follow-response/relay-pieces';

// A resumed stream told from the stored response must number its events as the live one did,
// or `starting_after` would resume in the wrong place. The live run records its steps; the
// replay follows them over the stored output.

const request = parseCreateResponseRequest({ model: 'balanced', input: 'Plan the trip', background: true, stream: true });

/** What a client compares between two streams: each event's number, type and delta, not the snapshots. */
const shape = (events: ResponseStreamEvent[]) =>
  events.map((e: any) => [e.sequence_number, e.type, e.delta ?? e.item?.id ?? e.item_id ?? null, e.output_index ?? null]);

function live(events: ModelStreamEvent[]) {
  let n = 0;
  const seq = new ResponseSequencer({ request, responseId: 'resp_1', itemId: (kind) => `${kind}_${++n}`, steps: true });
  const told = [...seq.start(), ...events.flatMap((e) => seq.push(e))];
  return { told, response: seq.response, steps: seq.steps! };
}

describe('a stream told again from the stored response', () => {
  const events: ModelStreamEvent[] = [
    { type: 'text.delta', delta: 'Let me ' },
    { type: 'text.delta', delta: 'check the 🚆 times ' },
    { type: 'text.delta', delta: 'first.' },
    { type: 'function_call.started', callId: 'call_a', name: 'trains' },
    { type: 'function_call.arguments.delta', callId: 'call_a', delta: '{"from":' },
    { type: 'function_call.started', callId: 'call_b', name: 'hotels' },
    { type: 'function_call.arguments.delta', callId: 'call_b', delta: '{"city":"Lyon"}' },
    { type: 'function_call.arguments.delta', callId: 'call_a', delta: '"Paris"}' },
    { type: 'function_call.done', callId: 'call_b' },
    // Arguments sent whole by the provider: the sequencer adds the one delta clients expect.
    { type: 'function_call.started', callId: 'call_c', name: 'weather' },
    { type: 'function_call.done', callId: 'call_c', arguments: '{"city":"Lyon"}' },
    { type: 'function_call.done', callId: 'call_a' },
    { type: 'completed', usage: { inputTokens: 10, outputTokens: 20, cachedTokens: 0, reasoningTokens: 0 }, finishReason: 'tool_calls' },
  ];

  it('numbers every event as the live stream did, following its recorded steps', () => {
    const run = live(events);
    const replayed = [...replayStream(request, run.response, run.steps)];
    expect(shape(replayed)).toEqual(shape(run.told));
    expect(replayed.at(-1)).toMatchObject({ type: 'response.completed', response: { output: run.response.output } });
  });

  it('without steps (a response not streamed in the background), tells each item whole', () => {
    const run = live(events);
    const replayed = [...replayStream(request, run.response)];
    expect(replayed.filter((e) => e.type === 'response.output_text.delta').map((e: any) => e.delta)).toEqual(['Let me check the 🚆 times first.']);
    expect(replayed.at(-1)!.type).toBe('response.completed');
  });

  it('resumes after a sequence number; a failed stream resumed past its told end still learns how it ended', () => {
    const run = live(events);
    const after = [...streamAfter(replayStream(request, run.response, run.steps), 7)];
    expect(after.map((e) => e.sequence_number)).toEqual(run.told.slice(8).map((e) => e.sequence_number));
    expect([...streamAfter(replayStream(request, run.response, run.steps), 999)]).toEqual([]);

    const failed = { ...run.response, status: 'failed' as const, output: [], error: { code: 'upstream_error', message: 'The model failed' } };
    expect([...streamAfter(replayStream(request, failed), 40)].map((e) => [e.sequence_number, e.type])).toEqual([
      [41, 'error'],
      [42, 'response.failed'],
    ]);
    expect([...streamAfter(replayStream(request, failed), 0)].map((e) => e.type)).toEqual(['response.in_progress', 'error', 'response.failed']);
  });
});

/** Half of a surrogate pair without the other: not valid text, refused by PostgreSQL. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('relayed messages in pieces', () => {
  it('cuts a message to fit a notification (8000 bytes) and puts it back together, surrogate pairs intact', () => {
    const text = JSON.stringify({ events: ['é'.repeat(3000), '🚆'.repeat(2000), 'ok'] });
    const pieces = toPieces('resp_9', text);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(Buffer.byteLength(piece)).toBeLessThan(8000);
      expect(pieceResponseId(piece)).toBe('resp_9');
      expect(piece).not.toMatch(LONE_SURROGATE);
    }
    const assembler = new PieceAssembler();
    const results = pieces.map((p) => assembler.add(p));
    expect(results.slice(0, -1).every((r) => r === null)).toBe(true);
    expect(results.at(-1)).toBe(text);
  });

  it('skips a message whose first pieces it never heard', () => {
    const assembler = new PieceAssembler();
    const [, ...late] = toPieces('resp_9', 'x'.repeat(6000));
    expect(late.map((p) => assembler.add(p))).toEqual([null, null]);
    expect(assembler.add(toPieces('resp_9', 'short')[0])).toBe('short');
  });
});
