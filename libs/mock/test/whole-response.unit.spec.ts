import { ManualClock } from '@genaug/kernel';
import { LocalProvider, type ModelRequest, type ModelStreamEvent } from '@genaug/models';
import { parseCreateResponseRequest, ResponseSequencer, type ResponseObject } from '@genaug/responses';
import { wholeResponse } from '../src/turns/whole-response';

// The mock answers non-streaming turns without stream events; this holds that answer to what
// the shared sequencer produces from the same model events, for every kind of answer.

const clock = new ManualClock(new Date('2026-04-24T10:00:00Z'));
const local = new LocalProvider();
const weather = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

async function eventsOf(request: ModelRequest): Promise<ModelStreamEvent[]> {
  const out: ModelStreamEvent[] = [];
  for await (const e of local.stream('local-balanced', request, new AbortController().signal)) out.push(e);
  return out;
}

const withoutIds = (r: ResponseObject) => ({ ...r, output: r.output.map(({ id: _id, ...item }) => item) });

const cases: [string, Record<string, unknown>, ModelRequest][] = [
  ['text', { model: 'balanced', input: 'Summarize this support request.' }, { messages: [{ type: 'message', role: 'user', content: 'Summarize this support request.' }] }],
  [
    'text cut short by max_output_tokens',
    { model: 'balanced', input: 'word '.repeat(200), max_output_tokens: 16 },
    { messages: [{ type: 'message', role: 'user', content: 'word '.repeat(200) }], maxOutputTokens: 16 },
  ],
  [
    'a function call',
    { model: 'balanced', input: 'Weather in Paris?', tools: [{ type: 'function', ...weather }], tool_choice: 'required' },
    { messages: [{ type: 'message', role: 'user', content: 'Weather in Paris?' }], tools: [weather], toolChoice: 'required' },
  ],
  [
    'structured output',
    {
      model: 'balanced',
      input: 'Extract: window seat.',
      text: { format: { type: 'json_schema', name: 'pref', strict: true, schema: { type: 'object', properties: { seat: { type: 'string' } }, required: ['seat'] } } },
    },
    {
      messages: [{ type: 'message', role: 'user', content: 'Extract: window seat.' }],
      textFormat: { type: 'json_schema', name: 'pref', strict: true, schema: { type: 'object', properties: { seat: { type: 'string' } }, required: ['seat'] } },
    },
  ],
];

describe('wholeResponse', () => {
  it.each(cases)('equals the sequencer’s final response for %s', async (_what, body, modelRequest) => {
    const request = parseCreateResponseRequest(body);
    const events = await eventsOf(modelRequest);
    const metadata = { general_augment_request_id: 'req_1', general_augment_trace_id: 't'.repeat(32) };
    const seq = new ResponseSequencer({ request, responseId: 'resp_1', model: request.model, metadata, clock });
    for (const e of events) seq.push(e);
    const whole = wholeResponse(request, { id: 'resp_1', createdAt: clock.now(), completedAt: clock.now(), metadata }, events);
    expect(withoutIds(whole)).toEqual(withoutIds(seq.response));
    expect(whole.output.map((i) => i.id)).toEqual(seq.response.output.map((i) => expect.stringMatching(new RegExp(`^${i.id.slice(0, i.id.indexOf('_'))}_`))));
  });

  it('covers an incomplete answer among the cases', async () => {
    const events = await eventsOf(cases[1][2]);
    expect(events.at(-1)).toMatchObject({ type: 'completed', finishReason: 'length' });
  });
});
