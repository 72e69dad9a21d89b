import {
  buildResponse,
  errorBody,
  httpErrorOf,
  parseCreateResponseRequest,
  RESPONSE_REQUIRED_FIELDS,
  responseOutputText,
  type OutputItem,
} from '@genaug/responses';
import { AppError } from '@genaug/kernel';
import { SPEC_REQUIRED_RESPONSE_FIELDS, specResponse } from './spec-shapes';

const createdAt = new Date('2026-03-01T10:00:00.900Z');
const completedAt = new Date('2026-03-01T10:00:02Z');

const output: OutputItem[] = [
  { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello ', annotations: [], logprobs: [] }] },
  { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'lookup', arguments: '{"q":"x"}', status: 'completed' },
  { type: 'function_call_output', id: 'fc_2', call_id: 'call_1', output: '{"ok":true}', status: 'completed' },
  { type: 'message', id: 'msg_2', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'world', annotations: [], logprobs: [] }] },
];

describe('buildResponse', () => {
  it('lists exactly the fields the specification requires', () => {
    expect([...RESPONSE_REQUIRED_FIELDS].sort()).toEqual([...SPEC_REQUIRED_RESPONSE_FIELDS].sort());
  });

  it('fills every required field with spec-typed defaults for a minimal request', () => {
    const request = parseCreateResponseRequest({ model: 'balanced', input: 'hi' });
    const response = buildResponse(request, { id: 'resp_1', createdAt, status: 'in_progress' });
    for (const field of SPEC_REQUIRED_RESPONSE_FIELDS) expect(response).toHaveProperty(field);
    expect(specResponse.parse(response)).toEqual(response);
    expect(response).toMatchObject({
      object: 'response',
      created_at: 1772359200,
      completed_at: null,
      status: 'in_progress',
      output: [],
      usage: null,
      error: null,
      tools: [],
      tool_choice: 'auto',
      truncation: 'disabled',
      parallel_tool_calls: true,
      text: { format: { type: 'text' } },
      top_p: 1,
      temperature: 1,
      presence_penalty: 0,
      frequency_penalty: 0,
      top_logprobs: 0,
      reasoning: null,
      user: null,
      store: true,
      background: false,
      service_tier: 'default',
      metadata: {},
    });
    expect(response).not.toHaveProperty('conversation');
  });

  it('echoes the request and reports output, usage and completion', () => {
    const request = parseCreateResponseRequest({
      model: 'balanced',
      input: 'hi',
      user: 'app-user-123',
      instructions: 'Be brief.',
      previous_response_id: 'resp_0',
      conversation: 'conv_1',
      tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }],
      tool_choice: { type: 'allowed_tools', tools: [{ type: 'function', name: 'lookup' }] },
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' } }, verbosity: 'low' },
      temperature: 0.3,
      top_p: 0.5,
      max_output_tokens: 100,
      max_tool_calls: 2,
      metadata: { feature: 'support-triage' },
      store: false,
      reasoning: { effort: 'low' },
      service_tier: 'priority',
      safety_identifier: 'sid',
      prompt_cache_key: 'pck',
    });
    const response = buildResponse(request, {
      id: 'resp_2',
      createdAt,
      completedAt,
      status: 'completed',
      output,
      usage: { inputTokens: 12, outputTokens: 5, cachedTokens: 2 },
      metadata: { feature: 'support-triage', general_augment_request_id: 'req_1' },
    });
    expect(specResponse.parse(response)).toEqual(response);
    expect(response).toMatchObject({
      completed_at: 1772359202,
      user: 'app-user-123',
      instructions: 'Be brief.',
      previous_response_id: 'resp_0',
      conversation: { id: 'conv_1' },
      tools: [{ type: 'function', name: 'lookup', description: null, parameters: { type: 'object' }, strict: null }],
      tool_choice: { type: 'allowed_tools', tools: [{ type: 'function', name: 'lookup' }], mode: 'auto' },
      text: { format: { type: 'json_schema', name: 'answer', description: null, schema: { type: 'object' }, strict: false }, verbosity: 'low' },
      usage: { input_tokens: 12, output_tokens: 5, total_tokens: 17, input_tokens_details: { cached_tokens: 2 }, output_tokens_details: { reasoning_tokens: 0 } },
      max_output_tokens: 100,
      max_tool_calls: 2,
      store: false,
      reasoning: { effort: 'low', summary: null },
      service_tier: 'priority',
      metadata: { feature: 'support-triage', general_augment_request_id: 'req_1' },
    });
  });

  it('reports failure and incompleteness in the spec fields', () => {
    const request = parseCreateResponseRequest({ model: 'm', input: 'x' });
    const failed = buildResponse(request, { id: 'r', createdAt, status: 'failed', error: { code: 'model_error', message: 'boom' } });
    expect(specResponse.parse(failed)).toMatchObject({ status: 'failed', error: { code: 'model_error', message: 'boom' }, completed_at: null });
    const incomplete = buildResponse(request, { id: 'r', createdAt, status: 'incomplete', incompleteReason: 'max_output_tokens' });
    expect(specResponse.parse(incomplete)).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  });
});

describe('responseOutputText', () => {
  it('joins the output_text of every assistant message, skipping tool items', () => {
    const request = parseCreateResponseRequest({ model: 'm', input: 'x' });
    expect(responseOutputText(buildResponse(request, { id: 'r', createdAt, status: 'completed', output }))).toBe('Hello world');
  });

  it('is empty for missing or odd output', () => {
    expect(responseOutputText(undefined)).toBe('');
    expect(responseOutputText({ output: null })).toBe('');
    expect(responseOutputText({ output: [null, 3, { type: 'message', content: 'text' }] })).toBe('');
  });
});

describe('errorBody', () => {
  it('keeps our errors as AppError.toBody() gives them', () => {
    const err = new AppError(429, 'rate_limited', 'Slow down', { headers: { 'Retry-After': '3' } });
    expect(errorBody(err)).toEqual(err.toBody());
    expect(httpErrorOf(err)).toMatchObject({ status: 429, headers: { 'Retry-After': '3' } });
  });

  it('turns anything else into a 500 that reveals nothing', () => {
    const http = httpErrorOf(new Error('password=hunter2 at db.internal'));
    expect(http.status).toBe(500);
    expect(http.body).toEqual({
      error: { message: 'The server failed to process the request', type: 'server_error', code: 'internal_error', param: null },
      reason: 'internal_error',
    });
  });
});
