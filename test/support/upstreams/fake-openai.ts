import { jsonPieces, lastUserText, startFakeUpstream, textPieces, type FakeUpstream, type FakeUpstreamOptions, type ResolvedReply, type UpstreamProtocol } from './fake-upstream';

// OpenAI Chat Completions, as api.openai.com speaks it: JSON answers, or SSE `data:` chunks
// ending in `data: [DONE]`, with usage in a last chunk when stream_options.include_usage is set.

const created = () => Math.floor(Date.now() / 1000);

function message(reply: ResolvedReply) {
  return {
    role: 'assistant',
    content: reply.text || null,
    refusal: null,
    ...(reply.toolCalls.length
      ? { tool_calls: reply.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) }
      : {}),
  };
}

function usage(reply: ResolvedReply) {
  const { inputTokens, outputTokens, cachedTokens } = reply.usage;
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

const chatCompletions: UpstreamProtocol = {
  path: '/v1/chat/completions',
  basePath: '/v1',
  keyOf: (headers) => headers.authorization?.replace(/^Bearer\s+/i, ''),
  errorBody: (status, text) => ({
    error: {
      message: text,
      type: status === 429 ? 'requests' : status === 401 ? 'invalid_request_error' : status >= 500 ? 'server_error' : 'invalid_request_error',
      param: null,
      code: status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_api_key' : null,
    },
  }),
  isStream: (body) => body?.stream === true,
  defaultReply: (body) => ({ text: `Hello from ${body?.model ?? 'the fake model'}. You said: ${lastUserText(body?.messages)}` }),
  json: (body, reply) => ({
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: created(),
    model: body?.model,
    choices: [{ index: 0, message: message(reply), logprobs: null, finish_reason: reply.finishReason }],
    usage: usage(reply),
  }),
  sse: (body, reply) => {
    const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: created(), model: body?.model, system_fingerprint: null };
    const chunk = (delta: object, finish: string | null = null) =>
      frame({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
    const frames = [chunk({ role: 'assistant', content: '', refusal: null })];
    for (const piece of textPieces(reply.text)) frames.push(chunk({ content: piece }));
    reply.toolCalls.forEach((call, index) => {
      frames.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
      for (const piece of jsonPieces(call.arguments)) frames.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    });
    frames.push(chunk({}, reply.finishReason));
    if (body?.stream_options?.include_usage) frames.push(frame({ ...base, choices: [], usage: usage(reply) }));
    frames.push('data: [DONE]\n\n');
    return { frames, firstContent: 1 };
  },
};

const frame = (data: object) => `data: ${JSON.stringify(data)}\n\n`;

/** A local OpenAI-compatible server; pass `url` to the openai client as `baseURL`. */
export function startFakeOpenAI(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeUpstream(chatCompletions, options);
}
