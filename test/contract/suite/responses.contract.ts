import WebSocket from 'ws';
import { specResponse } from '../../../libs/responses/test/spec-shapes';
import { contractClient, uniqueUser } from '../support/client';
import type { Target } from '../support/targets';

// POST /v1/responses and GET /v1/responses/{id}: what an app backend relies on, byte for byte
// where it can be (the local model answers from the input alone, so both servers give the
// same text, tokens and cost).

const SUPPORT_INPUT = 'Summarize this support request and suggest the next action.';
const WEATHER_TOOL = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};
const SEAT_FORMAT = {
  type: 'json_schema',
  name: 'travel_preference',
  strict: true,
  schema: { type: 'object', required: ['seat'], properties: { seat: { type: 'string' } }, additionalProperties: false },
};

export function responsesContract(target: () => Target): void {
  const api = contractClient(target);

  describe('POST /v1/responses', () => {
    it('answers the whole response object with our ids in metadata, and GET returns the same object', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const user = uniqueUser('app-user');
      const res = await api.post(
        '/v1/responses',
        { model: 'balanced', user, input: SUPPORT_INPUT, metadata: { feature: 'support-triage' } },
        { 'x-request-id': 'req_app_123', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('x-request-id')).toBe('req_app_123');
      const r = specResponse.parse(res.body);
      expect(r).toMatchObject({ object: 'response', status: 'completed', model: 'balanced', user, error: null, incomplete_details: null });
      expect(r.id).toMatch(/^resp_[0-9a-f]{32}$/);
      expect(r.output).toEqual([
        {
          type: 'message',
          id: expect.stringMatching(/^msg_/),
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: `You said: ${SUPPORT_INPUT}`, annotations: [], logprobs: [] }],
        },
      ]);
      expect(r.usage).toEqual({ input_tokens: 15, output_tokens: 18, total_tokens: 33, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } });
      expect(r.metadata).toEqual({
        feature: 'support-triage',
        general_augment_request_id: 'req_app_123',
        general_augment_trace_id: traceId,
        general_augment_model: 'local-balanced',
        general_augment_cost_usd: '0.00004350',
      });

      const got = await api.get(`/v1/responses/${r.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(res.body);
    });

    it('generates a request id when the client sends none and echoes it in the header and metadata', async () => {
      const res = await api.post('/v1/responses', { model: 'simple', input: 'Hello' });
      expect(res.status).toBe(200);
      const requestId = res.headers.get('x-request-id');
      expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
      expect(res.body.metadata.general_augment_request_id).toBe(requestId);
      expect(res.body.metadata.general_augment_trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(res.body.metadata.general_augment_model).toBe('local-simple');
      expect(res.body.user).toBeNull();
    });

    it('streams exactly the specification events, in order, with sequence numbers, ending in [DONE]', async () => {
      const { response, events } = await api.stream({ model: 'balanced', user: 'app-user-123', input: 'Draft a two sentence welcome message.' }, { 'x-request-id': 'req_stream_1' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('x-request-id')).toBe('req_stream_1');
      const names = events.map((e) => e.event);
      const deltas = names.filter((n) => n === 'response.output_text.delta').length;
      expect(deltas).toBeGreaterThan(1);
      expect(names).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        ...Array(deltas).fill('response.output_text.delta'),
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      events.forEach((e, i) => expect(e.data).toMatchObject({ type: e.event, sequence_number: i }));
      const text = events.filter((e) => e.event === 'response.output_text.delta').map((e) => e.data.delta).join('');
      expect(text).toBe('You said: Draft a two sentence welcome message.');
      const done = specResponse.parse(events[events.length - 1].data.response);
      expect(done.output[0]).toMatchObject({ type: 'message', content: [{ text }] });
      expect(done.metadata).toMatchObject({ general_augment_request_id: 'req_stream_1', general_augment_model: 'local-balanced' });
      expect(events[0].data.response).toMatchObject({ id: done.id, status: 'in_progress', output: [], usage: null });
      expect((await api.get(`/v1/responses/${done.id}`)).body).toEqual(done);
    });

    it('calls an offered function with arguments from the input, then answers from its output', async () => {
      const { events } = await api.stream({ model: 'balanced', input: 'Weather in Paris?', tools: [WEATHER_TOOL], tool_choice: 'required' });
      const names = events.map((e) => e.event);
      expect(names.slice(0, 3)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added']);
      expect(names).toContain('response.function_call_arguments.delta');
      expect(names.slice(-3)).toEqual(['response.function_call_arguments.done', 'response.output_item.done', 'response.completed']);
      const first = events[events.length - 1].data.response;
      const call = first.output.find((i: any) => i.type === 'function_call');
      expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed', call_id: expect.stringMatching(/^call_[0-9a-f]{24}$/) });
      expect(JSON.parse(call.arguments)).toEqual({ city: 'Weather in Paris' });

      const next = await api.post('/v1/responses', {
        model: 'balanced',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":18}' }],
        tools: [WEATHER_TOOL],
      });
      expect(next.status).toBe(200);
      expect(next.body.previous_response_id).toBe(first.id);
      expect(next.body.output[0].content[0].text).toBe('The get_weather tool returned: {"temp_c":18}');
    });

    it('answers structured output that validates against the strict schema', async () => {
      const res = await api.post('/v1/responses', { model: 'balanced', user: 'app-user-123', input: 'Extract: window seat.', text: { format: SEAT_FORMAT } });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('completed');
      expect(res.body.text.format).toEqual({ ...SEAT_FORMAT, description: null });
      expect(JSON.parse(res.body.output[0].content[0].text)).toEqual({ seat: 'window seat' });
    });

    it('keeps a conversation: the next turn sees the earlier ones', async () => {
      const conversation = uniqueUser('conv');
      const first = await api.post('/v1/responses', { model: 'balanced', conversation, input: 'My name is Ada.' });
      const second = await api.post('/v1/responses', { model: 'balanced', conversation, input: 'My name is Ada.' });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.body.conversation).toEqual({ id: conversation });
      // Same input, but the second turn's model also read the first exchange.
      expect(second.body.usage.input_tokens).toBeGreaterThan(first.body.usage.input_tokens);
    });

    it('queues a background turn at once and completes it later', async () => {
      const res = await api.post('/v1/responses', { model: 'balanced', input: 'Background please', background: true });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'queued', background: true, output: [], usage: null, completed_at: null });
      let got = await api.get(`/v1/responses/${res.body.id}`);
      for (let i = 0; i < 200 && got.body.status !== 'completed'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        got = await api.get(`/v1/responses/${res.body.id}`);
      }
      expect(got.body).toMatchObject({ status: 'completed', background: true, output: [{ content: [{ text: 'You said: Background please' }] }] });
    });

    it('makes a conversation ahead of its turns, lists, adds and deletes its items, and deletes it', async () => {
      const made = await api.post('/v1/conversations', { metadata: { topic: 'trip' }, items: [{ role: 'user', content: 'I am planning a trip to Lisbon.' }] });
      expect(made.status).toBe(200);
      expect(made.body).toMatchObject({ id: expect.stringMatching(/^conv_/), object: 'conversation', metadata: { topic: 'trip' } });
      const id = made.body.id;
      const turn = await api.post('/v1/responses', { model: 'balanced', conversation: id, input: 'Which city?' });
      expect(turn.status).toBe(200);
      expect(turn.body.conversation).toEqual({ id });
      // The turn read the conversation's item before its input.
      expect(turn.body.usage.input_tokens).toBeGreaterThan((await api.post('/v1/responses', { model: 'balanced', input: 'Which city?' })).body.usage.input_tokens);

      const listed = await api.get(`/v1/conversations/${id}/items?order=asc`);
      expect(listed.body).toMatchObject({ object: 'list', has_more: false });
      expect(listed.body.data.map((i: any) => [i.type, i.role, i.content[0].text])).toEqual([
        ['message', 'user', 'I am planning a trip to Lisbon.'],
        ['message', 'user', 'Which city?'],
        ['message', 'assistant', turn.body.output[0].content[0].text],
      ]);
      const first = listed.body.data[0];
      expect((await api.get(`/v1/conversations/${id}/items/${first.id}`)).body).toEqual(first);
      const added = await api.post(`/v1/conversations/${id}/items`, { items: [{ role: 'user', content: 'Window seat, please.' }] });
      expect(added.body).toMatchObject({ object: 'list', data: [{ type: 'message', role: 'user', status: 'completed' }], has_more: false });
      expect(await api.del(`/v1/conversations/${id}/items/${first.id}`)).toMatchObject({ status: 200, body: { id, object: 'conversation' } });
      const after = await api.get(`/v1/conversations/${id}/items?order=asc`);
      expect(after.body.data.map((i: any) => i.id)).toEqual([...listed.body.data.slice(1).map((i: any) => i.id), added.body.data[0].id]);

      expect((await api.post(`/v1/conversations/${id}`, { metadata: { topic: 'moved' } })).body).toEqual({ ...made.body, metadata: { topic: 'moved' } });
      expect((await api.del(`/v1/conversations/${id}`)).body).toEqual({ id, object: 'conversation.deleted', deleted: true });
      expect((await api.get(`/v1/conversations/${id}`)).status).toBe(404);
      expect(await api.post('/v1/responses', { model: 'balanced', conversation: id, input: 'Still there?' })).toMatchObject({ status: 404, body: { error: { param: 'conversation' } } });
      expect(await api.post('/v1/conversations', { items: [{ type: 'item_reference', id: 'msg_1' }] })).toMatchObject({ status: 400, body: { error: { param: 'items[0].type' } } });
    });

    it('deletes a response: the API finds it no more, nor continues from it', async () => {
      const key = { 'x-idempotency-key': uniqueUser('delete-me') };
      const made = await api.post('/v1/responses', { model: 'balanced', input: 'Forget this one' }, key);
      const id = made.body.id;
      expect(await api.del(`/v1/responses/${id}`)).toMatchObject({ status: 200, body: { id, object: 'response', deleted: true } });
      expect((await api.get(`/v1/responses/${id}`)).status).toBe(404);
      expect((await api.get(`/v1/responses/${id}/input_items`)).status).toBe(404);
      expect(await api.post('/v1/responses', { model: 'balanced', previous_response_id: id, input: 'And then?' })).toMatchObject({ status: 404, body: { error: { param: 'previous_response_id' } } });
      // A retry of its request finds it no more than GET does: no second turn either.
      expect((await api.post('/v1/responses', { model: 'balanced', input: 'Forget this one' }, key)).status).toBe(404);
      expect((await api.del(`/v1/responses/${id}`)).status).toBe(404);
      expect((await api.del('/v1/responses/resp_00000000000000000000000000000000')).status).toBe(404);
    });

    it("tells a background response's stream again, numbered as it was first told, from after any event", async () => {
      const live = await api.stream({ model: 'balanced', input: SUPPORT_INPUT, background: true });
      const id = live.events[0].data.response.id;
      const shape = (events: { event: string; data: any }[]) => events.map((e) => [e.data.sequence_number, e.event, e.data.delta ?? null]);
      expect(live.events.filter((e) => e.event === 'response.output_text.delta').length).toBeGreaterThan(1);

      const again = await api.getStream(`/v1/responses/${id}?stream=true`);
      expect(again.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(shape(again.events)).toEqual(shape(live.events));
      expect(again.events.at(-1)!.data.response).toEqual((await api.get(`/v1/responses/${id}`)).body);
      const rest = await api.getStream(`/v1/responses/${id}?stream=true&starting_after=4`);
      expect(shape(rest.events)).toEqual(shape(live.events.slice(5)));

      expect(await api.get(`/v1/responses/${id}?stream=true&starting_after=last`)).toMatchObject({ status: 400, body: { error: { param: 'starting_after' } } });
      expect((await api.get('/v1/responses/resp_00000000000000000000000000000000?stream=true')).status).toBe(404);
    });

    it('counts the input tokens a turn would read, before it runs (POST /v1/responses/input_tokens)', async () => {
      const body = { model: 'balanced', instructions: 'Answer briefly.', input: SUPPORT_INPUT, tools: [WEATHER_TOOL], tool_choice: 'none' };
      const counted = await api.post('/v1/responses/input_tokens', body);
      expect(counted).toMatchObject({ status: 200, body: { object: 'response.input_tokens', input_tokens: expect.any(Number) } });
      const turn = await api.post('/v1/responses', body);
      expect(counted.body.input_tokens).toBe(turn.body.usage.input_tokens);
      const next = { model: 'balanced', previous_response_id: turn.body.id, input: 'And then?' };
      const nextCount = await api.post('/v1/responses/input_tokens', next);
      expect(nextCount.body.input_tokens).toBe((await api.post('/v1/responses', next)).body.usage.input_tokens);
      expect(await api.post('/v1/responses/input_tokens', { model: 'enormous', input: 'x' })).toMatchObject({ status: 400, body: { error: { param: 'model' } } });
      expect((await api.post('/v1/responses/input_tokens', { previous_response_id: 'resp_00000000000000000000000000000000' })).status).toBe(404);
    });

    it('lists the models a request may name, the tiers first (GET /v1/models)', async () => {
      const listed = await api.get('/v1/models');
      expect(listed.status).toBe(200);
      expect(listed.body.object).toBe('list');
      expect(listed.body.data.map((m: any) => [m.id, m.object, m.owned_by])).toEqual([
        ['simple', 'model', 'general-augment'],
        ['balanced', 'model', 'general-augment'],
        ['complex', 'model', 'general-augment'],
        ['local/local-simple', 'model', 'local'],
        ['local/local-balanced', 'model', 'local'],
        ['local/local-complex', 'model', 'local'],
      ]);
      expect((await api.get('/v1/models/balanced')).body).toEqual(listed.body.data[1]);
      expect((await api.get('/v1/models/local%2Flocal-simple')).body).toEqual(listed.body.data[3]);
      expect(await api.get('/v1/models/gpt-9')).toMatchObject({ status: 404, body: { error: { param: 'model' } } });
    });

    it('cancels only a background response that has not ended', async () => {
      const plain = await api.post('/v1/responses', { model: 'balanced', input: 'Not in the background' });
      const notBackground = await api.post(`/v1/responses/${plain.body.id}/cancel`, undefined);
      expect(notBackground).toMatchObject({ status: 400, body: { reason: 'response_not_cancellable', error: { param: 'response_id' } } });

      const queued = await api.post('/v1/responses', { model: 'balanced', input: 'Quick one', background: true });
      let got = await api.get(`/v1/responses/${queued.body.id}`);
      for (let i = 0; i < 200 && got.body.status !== 'completed'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        got = await api.get(`/v1/responses/${queued.body.id}`);
      }
      const ended = await api.post(`/v1/responses/${queued.body.id}/cancel`, undefined);
      expect(ended).toMatchObject({ status: 409, body: { reason: 'response_not_cancellable', error: { type: 'conflict_error', param: 'response_id' } } });
      expect(ended.body.error.message).toBe('The response has already ended (completed): only a queued or in-progress one can be cancelled');
      expect((await api.get(`/v1/responses/${queued.body.id}`)).body).toEqual(got.body);
      expect((await api.post('/v1/responses/resp_00000000000000000000000000000000/cancel', undefined)).status).toBe(404);
    });

    it('compacts a conversation into its user messages and a compaction item the next turn reads', async () => {
      const user = uniqueUser('compacting');
      const first = await api.post('/v1/responses', { model: 'balanced', user, input: 'I am planning a trip to Lisbon in May.' });
      const compacted = await api.post('/v1/responses/compact', { model: 'balanced', user, previous_response_id: first.body.id, input: 'I prefer trains.' });
      expect(compacted.status).toBe(200);
      expect(compacted.body).toMatchObject({ object: 'response.compaction', id: expect.stringMatching(/^resp_[0-9a-f]{32}$/), created_at: expect.any(Number) });
      const output = compacted.body.output as any[];
      expect(output.slice(0, -1)).toEqual([
        { id: expect.stringMatching(/^msg_/), type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'I am planning a trip to Lisbon in May.' }] },
        { id: expect.stringMatching(/^msg_/), type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'I prefer trains.' }] },
      ]);
      expect(output.at(-1)).toEqual({ id: expect.stringMatching(/^cmp_/), type: 'compaction', encrypted_content: expect.any(String) });
      const usage = compacted.body.usage;
      expect(usage.input_tokens).toBeGreaterThan(0);
      expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);

      // Sent back as input, with the next message: the model reads the summary in its place.
      const next = await api.post('/v1/responses', { model: 'balanced', user, input: [...output, { role: 'user', content: 'How should I travel?' }] });
      expect(next.status).toBe(200);
      expect(next.body.output[0].content[0].text).toBe('You said: How should I travel?');
      const alone = await api.post('/v1/responses', { model: 'balanced', user, input: 'How should I travel?' });
      expect(next.body.usage.input_tokens).toBeGreaterThan(alone.body.usage.input_tokens);

      const made = await api.post('/v1/responses', { model: 'balanced', input: [{ type: 'compaction', encrypted_content: 'made up' }, { role: 'user', content: 'x' }] });
      expect(made).toMatchObject({ status: 400, body: { error: { param: 'input[0].encrypted_content' } } });
      expect(await api.post('/v1/responses/compact', { model: 'balanced' })).toMatchObject({ status: 400, body: { error: { param: 'input' } } });
    });

    it('runs response.create events sent over a WebSocket one at a time, streamed as over SSE', async () => {
      const ws = new WebSocket(`${target().baseUrl.replace(/^http/, 'ws')}/v1/responses`, { headers: { authorization: `Bearer ${target().apiKey}` } });
      const received: any[] = [];
      ws.on('message', (data) => received.push(JSON.parse(data.toString())));
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const ended = async (n: number) => {
        for (let i = 0; i < 200 && received.filter((m) => ['response.completed', 'error'].includes(m.type)).length < n; i++) await new Promise((r) => setTimeout(r, 25));
        return received.filter((m) => ['response.completed', 'error'].includes(m.type))[n - 1];
      };
      try {
        ws.send(JSON.stringify({ type: 'response.create', model: 'balanced', input: SUPPORT_INPUT }));
        ws.send(JSON.stringify({ type: 'response.cancel' }));
        const first = await ended(1);
        const firstTurn = received.slice(0, received.indexOf(first) + 1);
        expect(firstTurn.map((m) => m.type)).toEqual([
          'response.created',
          'response.in_progress',
          'response.output_item.added',
          'response.content_part.added',
          ...firstTurn.filter((m) => m.type === 'response.output_text.delta').map(() => 'response.output_text.delta'),
          'response.output_text.done',
          'response.content_part.done',
          'response.output_item.done',
          'response.completed',
        ]);
        expect(first.response.output[0].content[0].text).toBe(`You said: ${SUPPORT_INPUT}`);
        expect(await ended(2)).toMatchObject({ type: 'error', status: 400, error: { param: 'type' } });
        ws.send(JSON.stringify({ type: 'response.create', model: 'balanced', previous_response_id: first.response.id, input: 'And then?' }));
        const next = await ended(3);
        expect(next).toMatchObject({ type: 'response.completed', response: { previous_response_id: first.response.id } });
        expect(next.response.usage.input_tokens).toBeGreaterThan(first.response.usage.input_tokens);
      } finally {
        ws.close();
      }
    });

    it('lists what a stored response read, history first, in pages', async () => {
      const first = await api.post('/v1/responses', { model: 'balanced', input: 'My name is Ada.' });
      const second = await api.post('/v1/responses', { model: 'balanced', previous_response_id: first.body.id, input: [{ role: 'user', content: 'What is my name?' }] });
      const path = `/v1/responses/${second.body.id}/input_items`;
      const all = await api.get(`${path}?order=asc`);
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ object: 'list', has_more: false });
      expect(all.body.data.map((i: any) => [i.type, i.role, i.content[0].text])).toEqual([
        ['message', 'user', 'My name is Ada.'],
        ['message', 'assistant', 'You said: My name is Ada.'],
        ['message', 'user', 'What is my name?'],
      ]);
      // The first response's answer keeps its own id; every item has one, the same on each read.
      expect(all.body.data[1].id).toBe(first.body.output[0].id);
      expect(all.body.data.every((i: any) => typeof i.id === 'string' && i.status === 'completed')).toBe(true);
      expect([all.body.first_id, all.body.last_id]).toEqual([all.body.data[0].id, all.body.data[2].id]);

      // Newest first by default, a page at a time.
      const page1 = await api.get(`${path}?limit=2`);
      expect(page1.body.data.map((i: any) => i.id)).toEqual([all.body.data[2].id, all.body.data[1].id]);
      expect(page1.body.has_more).toBe(true);
      const page2 = await api.get(`${path}?limit=2&after=${page1.body.last_id}`);
      expect(page2.body).toMatchObject({ data: [{ id: all.body.data[0].id }], has_more: false });

      expect(await api.get(`${path}?limit=0`)).toMatchObject({ status: 400, body: { error: { param: 'limit' } } });
      expect(await api.get(`${path}?order=sideways`)).toMatchObject({ status: 400, body: { error: { param: 'order' } } });
      const unstored = await api.post('/v1/responses', { model: 'balanced', input: 'Forget me', store: false });
      expect((await api.get(`/v1/responses/${unstored.body.id}/input_items`)).status).toBe(404);
    });

    it('records a warm-up (generate: false) without asking a model, and continues from it', async () => {
      const instructions = 'Answer in French.';
      const warm = await api.post('/v1/responses', { model: 'balanced', instructions, input: 'My name is Ada.', generate: false });
      expect(warm.status).toBe(200);
      expect(warm.body).toMatchObject({ status: 'completed', output: [], usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 } });
      expect(warm.body.metadata.general_augment_cost_usd).toBe('0.00000000');
      expect(warm.body.metadata.general_augment_model).toBeUndefined();
      const next = await api.post('/v1/responses', { model: 'balanced', previous_response_id: warm.body.id, input: 'What is my name?' });
      expect(next.status).toBe(200);
      const alone = await api.post('/v1/responses', { model: 'balanced', input: 'What is my name?' });
      // The model read the warm-up's input too.
      expect(next.body.usage.input_tokens).toBeGreaterThan(alone.body.usage.input_tokens);
    });

    it('does not keep a response sent with store: false', async () => {
      const res = await api.post('/v1/responses', { model: 'balanced', input: 'Forget me', store: false });
      expect(res.status).toBe(200);
      expect(res.body.store).toBe(false);
      expect((await api.get(`/v1/responses/${res.body.id}`)).status).toBe(404);
    });
  });

  describe('idempotency', () => {
    it('answers a retry with the same key and body with the first response, streamed or not', async () => {
      const key = uniqueUser('idem');
      const body = { model: 'balanced', user: 'app-user-123', input: 'Once only' };
      const first = await api.post('/v1/responses', body, { 'x-idempotency-key': key });
      const again = await api.post('/v1/responses', body, { 'x-idempotency-key': key });
      expect(first.status).toBe(200);
      expect(again.body).toEqual(first.body);
    });

    it('refuses the same key with a different body (422 idempotency_key_reused)', async () => {
      const key = uniqueUser('idem');
      expect((await api.post('/v1/responses', { model: 'balanced', input: 'one' }, { 'x-idempotency-key': key })).status).toBe(200);
      const reused = await api.post('/v1/responses', { model: 'balanced', input: 'two' }, { 'x-idempotency-key': key });
      expect(reused.status).toBe(422);
      expect(reused.body).toEqual({
        error: { message: 'This X-Idempotency-Key was used with a different request body', type: 'invalid_request_error', code: 'idempotency_key_reused', param: 'X-Idempotency-Key' },
        reason: 'idempotency_key_reused',
      });
    });
  });

  describe('refusals', () => {
    const refusal = (status: number, reason: string, param: string | null = null) => ({
      status,
      body: { error: { message: expect.any(String), type: expect.any(String), code: reason, param }, reason },
    });

    it.each([
      ['a missing model', { input: 'hi' }, 'model'],
      ['a bad content part', { model: 'balanced', input: [{ role: 'user', content: [{ type: 'input_video' }] }] }, 'input[0].content[0].type'],
      ['metadata values that are not strings', { model: 'balanced', input: 'hi', metadata: { n: 1 } }, 'metadata.n'],
      ['tool_choice required without tools', { model: 'balanced', input: 'hi', tool_choice: 'required' }, 'tool_choice'],
      ['a schema that does not compile', { model: 'balanced', input: 'hi', text: { format: { ...SEAT_FORMAT, schema: { type: 'nonsense' } } } }, 'text.format.schema'],
      ['previous_response_id with conversation', { model: 'balanced', input: 'hi', previous_response_id: 'resp_x', conversation: 'c' }, 'conversation'],
    ])('refuses %s with a 400 naming the field', async (_what, body, param) => {
      const res = await api.post('/v1/responses', body);
      expect(res).toMatchObject(refusal(400, 'invalid_request', param));
      expect(res.body.error.type).toBe('invalid_request_error');
    });

    it('refuses a model that is neither a tier nor allowed (400 model_not_allowed)', async () => {
      expect(await api.post('/v1/responses', { model: 'gpt-unknown', input: 'hi' })).toMatchObject(refusal(400, 'model_not_allowed', 'model'));
    });

    it('refuses a body that is not JSON, not an object, or over the size limit', async () => {
      const send = async (body: string | undefined, type?: string) => {
        const res = await fetch(`${target().baseUrl}/v1/responses`, {
          method: 'POST',
          headers: { authorization: `Bearer ${target().apiKey}`, ...(type ? { 'content-type': type } : {}) },
          body,
        });
        return { status: res.status, body: (await res.json()) as any };
      };
      expect(await send('{"model":', 'application/json')).toMatchObject(refusal(400, 'invalid_request'));
      expect((await send('{"model":', 'application/json')).body.error.message).toContain('not valid JSON');
      expect((await send('', 'application/json')).body.error.message).toContain('cannot be empty');
      expect(await send('hello', 'text/plain')).toMatchObject(refusal(400, 'invalid_request', 'body'));
      expect(await send(undefined)).toMatchObject(refusal(400, 'invalid_request', 'body'));
      const large = await api.post('/v1/responses', { model: 'balanced', input: 'x'.repeat(1024 * 1024 + 10) });
      expect(large).toMatchObject(refusal(413, 'request_too_large'));
    });

    it('refuses a request without a key (401 missing_api_key)', async () => {
      const res = await fetch(`${target().baseUrl}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'balanced', input: 'hi' }) });
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).reason).toBe('missing_api_key');
    });

    it('answers unknown responses and previous responses with 404 naming the field', async () => {
      expect(await api.get('/v1/responses/resp_0192e4b4c0de7000800000000000dead')).toMatchObject(refusal(404, 'not_found', 'response_id'));
      expect(await api.post('/v1/responses', { model: 'balanced', input: 'hi', previous_response_id: 'resp_0192e4b4c0de7000800000000000dead' })).toMatchObject(
        refusal(404, 'not_found', 'previous_response_id'),
      );
    });

    it('answers an unknown route with a 404 in the same error shape', async () => {
      expect(await api.get('/v1/nothing-here')).toMatchObject(refusal(404, 'not_found'));
    });
  });
}
