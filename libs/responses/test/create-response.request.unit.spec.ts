import { AppError } from '@genaug/kernel';
import { inputItems, parseCreateResponseRequest } from '@genaug/responses';

function rejection(body: unknown): AppError {
  try {
    parseCreateResponseRequest(body);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

describe('createResponseRequestSchema', () => {
  it('accepts the SDK reference request and keeps its fields', () => {
    const request = parseCreateResponseRequest({
      model: 'balanced',
      user: 'app-user-123',
      input: 'Summarize this support request and suggest the next action.',
      metadata: { feature: 'support-triage' },
    });
    expect(request).toMatchObject({ model: 'balanced', user: 'app-user-123', metadata: { feature: 'support-triage' } });
    expect(inputItems(request)).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Summarize this support request and suggest the next action.' }] },
    ]);
  });

  it('accepts every input item form and normalizes messages to parts', () => {
    const request = parseCreateResponseRequest({
      model: 'simple',
      input: [
        { role: 'system', content: 'You are terse.' },
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Answer in English.' }] },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is in this image?' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'auto' },
            { type: 'input_file', filename: 'a.pdf', file_data: 'JVBERi0=' },
          ],
        },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'A cat.', annotations: [], logprobs: [] }], id: 'msg_1', status: 'completed' },
        { role: 'assistant', content: 'Earlier answer.' },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}', id: 'fc_1', status: 'completed' },
        { type: 'function_call_output', call_id: 'call_1', output: '{"temp":4}' },
      ],
    });
    const items = inputItems(request);
    expect(items.map((i) => (i.type === 'message' ? `${i.type}:${i.role}` : i.type))).toEqual([
      'message:system', 'message:developer', 'message:user', 'message:assistant', 'message:assistant', 'function_call', 'function_call_output',
    ]);
    expect(items[0]).toEqual({ type: 'message', role: 'system', content: [{ type: 'input_text', text: 'You are terse.' }] });
    expect(items[4]).toEqual({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Earlier answer.' }] });
    expect(items[6]).toMatchObject({ type: 'function_call_output', call_id: 'call_1', output: '{"temp":4}' });
  });

  it('accepts tools, tool_choice, structured output and sampling settings', () => {
    const request = parseCreateResponseRequest({
      model: 'complex',
      input: 'Extract: window seat.',
      instructions: 'Be exact.',
      previous_response_id: 'resp_1',
      conversation: 'conv_1',
      tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: true }],
      tool_choice: { type: 'function', name: 'get_weather' },
      parallel_tool_calls: false,
      text: {
        format: {
          type: 'json_schema',
          name: 'travel_preference',
          strict: true,
          schema: { type: 'object', required: ['seat'], properties: { seat: { type: 'string' } }, additionalProperties: false },
        },
      },
      max_output_tokens: 256,
      temperature: 0.2,
      top_p: 0.9,
      store: false,
      stream: true,
      background: false,
      safety_identifier: 'hash-1',
    });
    expect(request.conversation).toEqual({ id: 'conv_1' });
    expect(request.text?.format).toMatchObject({ type: 'json_schema', name: 'travel_preference', strict: true });
    expect(request.tool_choice).toEqual({ type: 'function', name: 'get_weather' });
    expect(parseCreateResponseRequest({ model: 'm', input: 'x', conversation: { id: 'conv_2' } }).conversation).toEqual({ id: 'conv_2' });
    for (const choice of ['auto', 'none', 'required']) {
      expect(parseCreateResponseRequest({ model: 'm', input: 'x', tool_choice: choice }).tool_choice).toBe(choice);
    }
  });

  it('tolerates spec fields it does not act on, nulls, and unknown fields', () => {
    const request = parseCreateResponseRequest({
      model: 'balanced',
      input: 'hi',
      truncation: 'auto',
      reasoning: { effort: 'low', summary: 'auto' },
      include: ['message.output_text.logprobs'],
      top_logprobs: 3,
      max_tool_calls: 4,
      service_tier: 'auto',
      prompt_cache_key: 'k',
      stream_options: { include_obfuscation: false },
      presence_penalty: 0,
      frequency_penalty: 0,
      instructions: null,
      metadata: null,
      tools: null,
      some_future_field: { anything: true },
    });
    expect(request).toMatchObject({ truncation: 'auto', reasoning: { effort: 'low' }, max_tool_calls: 4 });
    expect(request).not.toHaveProperty('some_future_field');
  });

  it.each([
    ['a missing model', { input: 'hi' }, 'model'],
    ['a non-string model', { model: 7, input: 'hi' }, 'model'],
    ['a missing input', { model: 'm' }, 'input'],
    ['a numeric input', { model: 'm', input: 42 }, 'input'],
    ['an unknown role', { model: 'm', input: [{ role: 'robot', content: 'x' }] }, 'input[0].role'],
    ['an unknown item type', { model: 'm', input: [{ type: 'telepathy' }] }, 'input[0].type'],
    ['numeric message content', { model: 'm', input: [{ role: 'user', content: 5 }] }, 'input[0].content'],
    ['an unknown content part', { model: 'm', input: [{ role: 'user', content: [{ type: 'input_text', text: 'a' }, { type: 'input_audio' }] }] }, 'input[0].content[1].type'],
    ['an image part on a system message', { model: 'm', input: [{ role: 'system', content: [{ type: 'input_image', image_url: 'x' }] }] }, 'input[0].content[0].type'],
    ['a text part without text', { model: 'm', input: [{ role: 'user', content: [{ type: 'input_text' }] }] }, 'input[0].content[0].text'],
    ['a function call without call_id', { model: 'm', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }, 'input[0].call_id'],
    ['a function call output without output', { model: 'm', input: [{ type: 'function_call_output', call_id: 'c' }] }, 'input[0].output'],
    ['a non-function tool', { model: 'm', input: 'x', tools: [{ type: 'web_search' }] }, 'tools[0].type'],
    ['a tool name with spaces', { model: 'm', input: 'x', tools: [{ type: 'function', name: 'get weather' }] }, 'tools[0].name'],
    ['two tools of one name', { model: 'm', input: 'x', tools: [{ type: 'function', name: 'a' }, { type: 'function', name: 'b' }, { type: 'function', name: 'a' }] }, 'tools[2].name'],
    ['an unknown tool_choice', { model: 'm', input: 'x', tool_choice: 'sometimes' }, 'tool_choice'],
    ['an unknown text format', { model: 'm', input: 'x', text: { format: { type: 'yaml' } } }, 'text.format.type'],
    ['a json_schema format without schema', { model: 'm', input: 'x', text: { format: { type: 'json_schema', name: 'n' } } }, 'text.format.schema'],
    ['temperature above 2', { model: 'm', input: 'x', temperature: 2.5 }, 'temperature'],
    ['top_p above 1', { model: 'm', input: 'x', top_p: 1.5 }, 'top_p'],
    ['a fractional max_output_tokens', { model: 'm', input: 'x', max_output_tokens: 100.5 }, 'max_output_tokens'],
    ['metadata with 17 pairs', { model: 'm', input: 'x', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
    ['a metadata key over 64 characters', { model: 'm', input: 'x', metadata: { ['k'.repeat(65)]: 'v' } }, `metadata.${'k'.repeat(65)}`],
    ['a metadata value over 512 characters', { model: 'm', input: 'x', metadata: { feature: 'v'.repeat(513) } }, 'metadata.feature'],
    ['a non-string metadata value', { model: 'm', input: 'x', metadata: { feature: 1 } }, 'metadata.feature'],
    ['a non-boolean stream', { model: 'm', input: 'x', stream: 'yes' }, 'stream'],
    ['an empty user', { model: 'm', input: 'x', user: '' }, 'user'],
    ['an unknown truncation', { model: 'm', input: 'x', truncation: 'sometimes' }, 'truncation'],
    ['a body that is not an object', ['model'], 'body'],
  ])('rejects %s with a 400 naming the field', (_what, body, param) => {
    const err = rejection(body);
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
    expect(err.toBody()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_request', param }, reason: 'invalid_request' });
    expect(err.message).toContain(param);
  });
});
